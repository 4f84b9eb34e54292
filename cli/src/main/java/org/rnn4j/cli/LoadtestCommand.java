package org.rnn4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.rnn4j.cli.serve.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code rnn4j loadtest}: N closed-loop clients send infer requests to a running {@code rnn4j
 * serve} for a fixed time, then report throughput, latency percentiles, errors and the server's
 * batch-size distribution (from /metrics, the difference over the measured window).
 */
@Command(name = "loadtest", description = {
    "Load-test an rnn4j serve endpoint: closed-loop clients, fixed duration, stops by itself.",
    "Prints a table row; --results appends it to a TSV and --svg draws every run in that TSV."})
final class LoadtestCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--url", description = "Server base URL (default: ${DEFAULT-VALUE}).")
  String url = "http://127.0.0.1:8080";

  @Option(names = "--model", required = true, description = "Model name on the server.")
  String model;

  @Option(names = "--clients", description = "Concurrent closed-loop clients (default: ${DEFAULT-VALUE}).")
  int clients = 64;

  @Option(names = "--duration", description = "Measured seconds (default: ${DEFAULT-VALUE}).")
  double duration = 30;

  @Option(names = "--warmup", description = "Seconds run before measuring (default: ${DEFAULT-VALUE}).")
  double warmup = 5;

  @Option(names = "--steps", description = "Time steps T per request (x is [T, I]) (default: ${DEFAULT-VALUE}).")
  int steps = 50;

  @Option(names = "--max-requests", description = "Stop after this many requests in all (default: ${DEFAULT-VALUE}).")
  long maxRequests = 1_000_000;

  @Option(names = "--request-timeout-s", description = "Per-request client timeout (default: ${DEFAULT-VALUE}).")
  double requestTimeout = 120;

  @Option(names = "--label", description = "Name of this run in the table and chart (default: clients and steps).")
  String label;

  @Option(names = "--results", description = "Append this run to a TSV file.")
  Path results;

  @Option(names = "--svg", description = "Draw the runs in --results (or just this one) as an SVG chart.")
  Path svg;

  @Option(names = "--backoff-ms", description = "A client that got 503 waits this long before its next request "
      + "(default: what the server's Retry-After says, else 1000).")
  Long backoffMillis;

  @Option(names = "--seed", description = "Seed of the random inputs (default: ${DEFAULT-VALUE}).")
  long seed = 1;

  /** How request and response tensors travel. */
  enum Protocol { json, binary }

  @Option(names = "--protocol", description = "json: tensors as JSON numbers; binary: the binary tensor data "
      + "extension (Inference-Header-Content-Length), x sent and all outputs received as raw float32 "
      + "(default: ${DEFAULT-VALUE}).")
  Protocol protocol = Protocol.json;

  /** One run's numbers, as a TSV row. */
  record Row(String label, int clients, int steps, double seconds, long ok, double throughput, double p50, double p90,
      double p99, double max, String errors, double meanBatch, double computeMsPerSeq, String batches,
      double clientCpuMsPerReq, double serverCpuMsPerReq) {
    static final String HEADER = "label\tclients\tsteps\tseconds\tok\treq_per_s\tp50_ms\tp90_ms\tp99_ms\tmax_ms\terrors"
        + "\tmean_batch\tcompute_ms_per_seq\tbatch_sizes\tclient_cpu_ms_per_req\tserver_cpu_ms_per_req";

    String tsv() {
      return String.join("\t", label, Integer.toString(clients), Integer.toString(steps), fmt(seconds),
          Long.toString(ok), fmt(throughput), fmt(p50), fmt(p90), fmt(p99), fmt(max), errors, fmt(meanBatch),
          fmt(computeMsPerSeq), batches, fmt(clientCpuMsPerReq), fmt(serverCpuMsPerReq));
    }

    /** A TSV row; rows written before the CPU columns existed read them as NaN (unknown). */
    static Row parse(String line) {
      String[] f = line.split("\t", -1);
      return new Row(f[0], Integer.parseInt(f[1]), Integer.parseInt(f[2]), Double.parseDouble(f[3]),
          Long.parseLong(f[4]), Double.parseDouble(f[5]), Double.parseDouble(f[6]), Double.parseDouble(f[7]),
          Double.parseDouble(f[8]), Double.parseDouble(f[9]), f[10], Double.parseDouble(f[11]),
          Double.parseDouble(f[12]), f[13], f.length > 14 ? Double.parseDouble(f[14]) : Double.NaN,
          f.length > 15 ? Double.parseDouble(f[15]) : Double.NaN);
    }
  }

  @Override
  public Integer call() throws Exception {
    if (clients < 1 || duration <= 0 || warmup < 0 || steps < 1 || maxRequests < 1) {
      throw new IllegalArgumentException("--clients, --duration, --steps and --max-requests must be positive");
    }
    String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10)).build();
    int features = inputSize(http, base);
    byte[][] bodies = bodies(features);
    String contentType = protocol == Protocol.binary ? "application/octet-stream" : "application/json";
    String binaryHeader = protocol == Protocol.binary ? Integer.toString(binaryHeader(features).length) : null;
    URI infer = URI.create(base + "/v2/models/" + model + "/infer");
    Duration timeout = Duration.ofMillis((long) (requestTimeout * 1000));

    long start = System.nanoTime();
    long measureFrom = start + (long) (warmup * 1e9);
    long end = measureFrom + (long) (duration * 1e9);
    AtomicLong issued = new AtomicLong();
    Map<String, AtomicLong> errors = new ConcurrentHashMap<>();
    List<long[]> latencies = new ArrayList<>();
    Map<String, Double> before = new LinkedHashMap<>();
    long[] cpuBefore = new long[1];
    Thread scraper = Thread.ofVirtual().start(() -> {
      sleepUntil(measureFrom);
      cpuBefore[0] = processCpuNanos();
      before.putAll(scrape(http, base));
    });
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      int id = c;
      long[] mine = new long[1 << 16];
      latencies.add(mine);
      threads.add(Thread.ofVirtual().name("loadtest-" + c).start(() -> {
        int n = 0;
        int i = id;
        while (System.nanoTime() < end && issued.incrementAndGet() <= maxRequests) {
          HttpRequest.Builder rb = HttpRequest.newBuilder(infer).timeout(timeout).header("Content-Type", contentType)
              .POST(HttpRequest.BodyPublishers.ofByteArray(bodies[i++ % bodies.length]));
          if (binaryHeader != null) {
            rb.header("Inference-Header-Content-Length", binaryHeader);
          }
          HttpRequest req = rb.build();
          long t0 = System.nanoTime();
          String error = null;
          long backoff = 10;
          try {
            // The answer is received in full but not decoded: only its status matters here.
            HttpResponse<byte[]> r = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) {
              error = "http_" + r.statusCode();
            }
            if (r.statusCode() == 503) {
              backoff = backoffMillis != null ? backoffMillis : retryAfterMillis(r);
            }
          } catch (IOException e) {
            error = e.getClass().getSimpleName();
          } catch (InterruptedException e) {
            return;
          }
          long t1 = System.nanoTime();
          // Throughput and latency count what completed inside the measured window.
          if (t1 >= measureFrom && t1 <= end) {
            if (error != null) {
              errors.computeIfAbsent(error, k -> new AtomicLong()).incrementAndGet();
            } else if (n < mine.length - 1) {
              mine[++n] = t1 - t0;
              mine[0] = n;
            }
          }
          if (error != null) {
            // Overload answers (503) and broken connections both mean: back off, do not hammer.
            sleepUntil(System.nanoTime() + backoff * 1_000_000L);
          }
        }
      }));
    }
    for (Thread t : threads) {
      t.join();
    }
    scraper.join();
    long cpuAfter = processCpuNanos();
    Map<String, Double> after = scrape(http, base);
    Row row = summarize(latencies, errors, before, after, cpuAfter - cpuBefore[0]);
    PrintWriter out = spec.commandLine().getOut();
    out.println(TABLE_HEADER);
    out.println(markdown(row));
    out.flush();
    List<Row> rows = new ArrayList<>();
    if (results != null) {
      if (!Files.exists(results)) {
        Files.writeString(results, Row.HEADER + "\n");
      }
      Files.writeString(results, row.tsv() + "\n", StandardOpenOption.APPEND);
      for (String line : Files.readAllLines(results)) {
        if (!line.isBlank() && !line.startsWith("label\t")) {
          rows.add(Row.parse(line));
        }
      }
    } else {
      rows.add(row);
    }
    if (svg != null) {
      Files.writeString(svg, LoadtestChart.svg(rows));
      out.println("chart: " + svg);
    }
    out.flush();
    return 0;
  }

  static final String TABLE_HEADER = "| run | clients | T | ok | req/s | p50 ms | p90 ms | p99 ms | max ms | errors "
      + "| mean batch | server compute ms/seq | server batch sizes | client CPU ms/req | server CPU ms/req |\n"
      + "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|";

  private static long retryAfterMillis(HttpResponse<?> r) {
    try {
      return Math.max(0, Math.min(60_000, 1000 * Long.parseLong(r.headers().firstValue("Retry-After").orElse("1"))));
    } catch (NumberFormatException e) {
      return 1000;
    }
  }

  static String markdown(Row r) {
    return "| " + r.label() + " | " + r.clients() + " | " + r.steps() + " | " + r.ok() + " | " + fmt(r.throughput())
        + " | " + fmt(r.p50()) + " | " + fmt(r.p90()) + " | " + fmt(r.p99()) + " | " + fmt(r.max()) + " | "
        + r.errors() + " | " + fmt(r.meanBatch()) + " | " + fmt(r.computeMsPerSeq()) + " | " + r.batches() + " | "
        + fmt(r.clientCpuMsPerReq()) + " | " + fmt(r.serverCpuMsPerReq()) + " |";
  }

  /** CPU time of this process so far (all threads), or -1 where the JVM cannot tell. */
  static long processCpuNanos() {
    return java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os ? os.getProcessCpuTime() : -1;
  }

  private Row summarize(List<long[]> latencies, Map<String, AtomicLong> errors, Map<String, Double> before,
      Map<String, Double> after, long clientCpuNanos) {
    int total = 0;
    for (long[] l : latencies) {
      total += (int) l[0];
    }
    long[] all = new long[total];
    int at = 0;
    for (long[] l : latencies) {
      System.arraycopy(l, 1, all, at, (int) l[0]);
      at += (int) l[0];
    }
    Arrays.sort(all);
    String errs = errors.isEmpty() ? "0" : new TreeMap<>(errors).toString().replace(" ", "");
    // The server's batches over the window: differences of the cumulative histogram buckets.
    String prefix = "rnn4j_batch_size_bucket{model=\"" + model + "\",le=\"";
    StringBuilder dist = new StringBuilder();
    double prevCum = 0;
    String prevLe = "0";
    double count = diff(after, before, "rnn4j_batch_size_count{model=\"" + model + "\"}");
    double sum = diff(after, before, "rnn4j_batch_size_sum{model=\"" + model + "\"}");
    for (Map.Entry<String, Double> e : after.entrySet()) {
      if (!e.getKey().startsWith(prefix) || e.getKey().contains("+Inf")) {
        continue;
      }
      String le = e.getKey().substring(prefix.length(), e.getKey().length() - 2);
      double cum = diff(after, before, e.getKey());
      double inBucket = cum - prevCum;
      if (inBucket > 0 && count > 0) {
        int lo = Integer.parseInt(prevLe) + 1;
        dist.append(dist.isEmpty() ? "" : " ").append(lo == Integer.parseInt(le) ? le : lo + "-" + le).append(':')
            .append(Math.round(100 * inBucket / count)).append('%');
      }
      prevCum = cum;
      prevLe = le;
    }
    String name = label != null ? label : clients + " clients, T=" + steps;
    // Server compute per sequence: batch compute time over sequences computed, in the window.
    double computeSeconds = diff(after, before, "rnn4j_batch_compute_seconds_sum{model=\"" + model + "\"}");
    double perSeq = sum > 0 ? 1000 * computeSeconds / sum : 0;
    // CPU per answered request (200s and 503s alike: both cost work), client and server processes.
    long answered = total + errors.values().stream().mapToLong(AtomicLong::get).sum();
    double clientCpu = clientCpuNanos >= 0 && answered > 0 ? clientCpuNanos / 1e6 / answered : Double.NaN;
    double serverCpuSeconds = diff(after, before, "process_cpu_seconds_total");
    double serverCpu = after.containsKey("process_cpu_seconds_total") && answered > 0
        ? 1000 * serverCpuSeconds / answered : Double.NaN;
    return new Row(name, clients, steps, duration, total, total / duration, pct(all, 0.50), pct(all, 0.90),
        pct(all, 0.99), all.length == 0 ? 0 : all[all.length - 1] / 1e6, errs, count > 0 ? sum / count : 0,
        perSeq, dist.isEmpty() ? "-" : dist.toString(), clientCpu, serverCpu);
  }

  private static double diff(Map<String, Double> after, Map<String, Double> before, String key) {
    return after.getOrDefault(key, 0.0) - before.getOrDefault(key, 0.0);
  }

  private static double pct(long[] sorted, double q) {
    if (sorted.length == 0) {
      return 0;
    }
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, i)] / 1e6;
  }

  private int inputSize(HttpClient http, String base) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v2/models/" + model))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("GET /v2/models/" + model + ": HTTP " + r.statusCode() + " " + r.body());
    }
    Object meta = Json.parse(r.body());
    for (Object in : (List<?>) ((Map<?, ?>) meta).get("inputs")) {
      Map<?, ?> m = (Map<?, ?>) in;
      if ("x".equals(m.get("name"))) {
        Json.Numbers shape = (Json.Numbers) m.get("shape");
        return (int) shape.values()[shape.length() - 1];
      }
    }
    throw new IllegalStateException("model metadata has no input x: " + r.body());
  }

  /** A few distinct request bodies, built once so that the clients spend their time waiting, not encoding. */
  private byte[][] bodies(int features) {
    SplittableRandom rnd = new SplittableRandom(seed);
    byte[][] out = new byte[8][];
    for (int k = 0; k < out.length; k++) {
      float[] x = new float[steps * features];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) (rnd.nextDouble() * 2 - 1);
      }
      if (protocol == Protocol.binary) {
        byte[] head = binaryHeader(features);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(head.length + 4 * x.length)
            .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put(head);
        b.asFloatBuffer().put(x);
        out[k] = b.array();
        continue;
      }
      Map<String, Object> input = new LinkedHashMap<>();
      input.put("name", "x");
      input.put("shape", new int[] {steps, features});
      input.put("datatype", "FP32");
      input.put("data", x);
      out[k] = Json.write(Map.of("inputs", List.of(input))).getBytes(StandardCharsets.UTF_8);
    }
    return out;
  }

  /** The JSON part of a binary request: x as binary_data_size bytes, every output as binary. */
  private byte[] binaryHeader(int features) {
    return ("{\"inputs\":[{\"name\":\"x\",\"shape\":[" + steps + "," + features + "],\"datatype\":\"FP32\","
        + "\"parameters\":{\"binary_data_size\":" + 4L * steps * features + "}}],"
        + "\"parameters\":{\"binary_data_output\":true}}").getBytes(StandardCharsets.UTF_8);
  }

  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*(\\{[^}]*\\})?) (\\S+)$");

  /** The server's /metrics as name{labels} → value; empty when it cannot be read. */
  static Map<String, Double> scrape(HttpClient http, String base) {
    Map<String, Double> m = new LinkedHashMap<>();
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
          .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
      for (String line : r.body().split("\n")) {
        Matcher mm = SAMPLE.matcher(line);
        if (mm.matches()) {
          m.put(mm.group(1), Double.parseDouble(mm.group(3)));
        }
      }
    } catch (IOException | NumberFormatException e) {
      return m;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return m;
  }

  private static void sleepUntil(long nanoTime) {
    long left;
    while ((left = nanoTime - System.nanoTime()) > 0) {
      try {
        Thread.sleep(Duration.ofNanos(left));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  static String fmt(double v) {
    return v >= 100 ? String.format(java.util.Locale.ROOT, "%.0f", v)
        : String.format(java.util.Locale.ROOT, "%.3g", v);
  }
}
