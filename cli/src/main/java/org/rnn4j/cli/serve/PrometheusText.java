package org.rnn4j.cli.serve;

import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.rnn4j.serving.ServingMetrics;

/** The server's metrics in the Prometheus text exposition format (version 0.0.4). */
final class PrometheusText {
  private PrometheusText() {
  }

  static String render(Collection<InferenceServer.Served> models, Collection<InferenceServer.OnnxServed> graphs,
      Map<Integer, AtomicLong> responses) {
    StringBuilder sb = new StringBuilder(4096);
    if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os && os.getProcessCpuTime() >= 0) {
      help(sb, "process_cpu_seconds_total", "counter", "CPU time of the server process (all threads), seconds.");
      sb.append("process_cpu_seconds_total ").append(os.getProcessCpuTime() / 1e9).append('\n');
    }
    java.lang.management.MemoryUsage heap = java.lang.management.ManagementFactory.getMemoryMXBean()
        .getHeapMemoryUsage();
    help(sb, "jvm_memory_used_bytes", "gauge", "Heap in use now (garbage included until the next collection).");
    sb.append("jvm_memory_used_bytes{area=\"heap\"} ").append(heap.getUsed()).append('\n');
    long afterGc = 0;
    for (java.lang.management.MemoryPoolMXBean pool : java.lang.management.ManagementFactory.getMemoryPoolMXBeans()) {
      java.lang.management.MemoryUsage u = pool.getType() == java.lang.management.MemoryType.HEAP
          ? pool.getCollectionUsage() : null;
      afterGc += u == null ? 0 : u.getUsed();
    }
    help(sb, "jvm_memory_used_after_gc_bytes", "gauge", "Heap live after the last collection of each pool (what "
        + "stays flat when nothing leaks).");
    sb.append("jvm_memory_used_after_gc_bytes{area=\"heap\"} ").append(afterGc).append('\n');
    help(sb, "jvm_memory_max_bytes", "gauge", "Largest heap the JVM may use (-Xmx).");
    sb.append("jvm_memory_max_bytes{area=\"heap\"} ").append(heap.getMax()).append('\n');
    help(sb, "rnn4j_queue_depth", "gauge", "Requests (sequences and stream steps) waiting for a worker.");
    for (InferenceServer.Served s : models) {
      sb.append("rnn4j_queue_depth{model=\"").append(s.name()).append("\"} ")
          .append(s.executor().metrics().queueDepth()).append('\n');
    }
    for (InferenceServer.OnnxServed g : graphs) {
      sb.append("rnn4j_queue_depth{model=\"").append(g.name()).append("\"} ").append(g.pool().getQueue().size())
          .append('\n');
    }
    help(sb, "rnn4j_batch_size", "histogram", "Requests per batch run by the micro-batching executor.");
    for (InferenceServer.Served s : models) {
      long[] counts = s.executor().metrics().batchSizeCounts();
      long cumulative = 0;
      long sum = 0;
      int next = 1;
      for (int k = 1; k < counts.length; k++) {
        cumulative += counts[k];
        sum += k * counts[k];
        // Buckets at powers of two and at the max batch size.
        if (k == next || k == counts.length - 1) {
          sb.append("rnn4j_batch_size_bucket{model=\"").append(s.name()).append("\",le=\"").append(k).append("\"} ")
              .append(cumulative).append('\n');
          if (k == next) {
            next *= 2;
          }
        }
      }
      sb.append("rnn4j_batch_size_bucket{model=\"").append(s.name()).append("\",le=\"+Inf\"} ").append(cumulative)
          .append('\n');
      sb.append("rnn4j_batch_size_sum{model=\"").append(s.name()).append("\"} ").append(sum).append('\n');
      sb.append("rnn4j_batch_size_count{model=\"").append(s.name()).append("\"} ").append(cumulative).append('\n');
    }
    summary(sb, models, "rnn4j_queue_wait_seconds", "Time from submission until a worker took the request "
        + "(quantiles over the last " + ServingMetrics.WINDOW + " requests).", true);
    summary(sb, models, "rnn4j_batch_compute_seconds", "Compute time of one batch (quantiles over the last "
        + ServingMetrics.WINDOW + " batches).", false);
    help(sb, "rnn4j_requests_total", "counter", "Requests by outcome: completed, rejected (queue full), expired "
        + "(deadline), cancelled, failed.");
    for (InferenceServer.Served s : models) {
      ServingMetrics m = s.executor().metrics();
      outcome(sb, s.name(), "completed", m.completed());
      outcome(sb, s.name(), "rejected", s.rejected());
      outcome(sb, s.name(), "expired", m.expired());
      outcome(sb, s.name(), "cancelled", m.cancelled());
      outcome(sb, s.name(), "failed", m.failed());
    }
    for (InferenceServer.OnnxServed g : graphs) {
      outcome(sb, g.name(), "completed", g.completed().get());
      outcome(sb, g.name(), "rejected", g.rejected().get());
      outcome(sb, g.name(), "expired", g.expired().get());
      outcome(sb, g.name(), "failed", g.failed().get());
    }
    help(sb, "rnn4j_http_responses_total", "counter", "HTTP responses by status code.");
    for (Map.Entry<Integer, AtomicLong> e : new TreeMap<>(responses).entrySet()) {
      sb.append("rnn4j_http_responses_total{code=\"").append(e.getKey()).append("\"} ").append(e.getValue().get())
          .append('\n');
    }
    return sb.toString();
  }

  private static void summary(StringBuilder sb, Collection<InferenceServer.Served> models, String name, String help,
      boolean queue) {
    help(sb, name, "summary", help);
    for (InferenceServer.Served s : models) {
      ServingMetrics m = s.executor().metrics();
      ServingMetrics.Percentiles p = queue ? m.queueWaitMicros() : m.computeMicros();
      String labels = "model=\"" + s.name() + "\"";
      quantile(sb, name, labels, "0.5", p.p50());
      quantile(sb, name, labels, "0.9", p.p90());
      quantile(sb, name, labels, "0.99", p.p99());
      quantile(sb, name, labels, "1", p.max());
      sb.append(name).append("_sum{").append(labels).append("} ").append(p.sumMicros() / 1e6).append('\n');
      sb.append(name).append("_count{").append(labels).append("} ").append(p.count()).append('\n');
    }
  }

  private static void quantile(StringBuilder sb, String name, String labels, String q, long micros) {
    sb.append(name).append('{').append(labels).append(",quantile=\"").append(q).append("\"} ").append(micros / 1e6)
        .append('\n');
  }

  private static void outcome(StringBuilder sb, String model, String outcome, long n) {
    sb.append("rnn4j_requests_total{model=\"").append(model).append("\",outcome=\"").append(outcome).append("\"} ")
        .append(n).append('\n');
  }

  private static void help(StringBuilder sb, String name, String type, String text) {
    sb.append("# HELP ").append(name).append(' ').append(text).append('\n');
    sb.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }
}
