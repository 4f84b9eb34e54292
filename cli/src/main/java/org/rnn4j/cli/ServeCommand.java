package org.rnn4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.rnn4j.Model;
import org.rnn4j.cli.serve.InferenceServer;
import org.rnn4j.cli.serve.ServerOptions;
import org.rnn4j.onnx.OnnxModel;
import org.rnn4j.serving.BatchingOptions;
import org.rnn4j.spi.Backend;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code rnn4j serve}: models over HTTP (Open Inference Protocol v2), micro-batched. Stops on Ctrl-C. */
@Command(name = "serve", description = {
    "Serve safetensors (micro-batched) and ONNX models (unbatched) over HTTP with the KServe/Triton",
    "Open Inference Protocol v2 REST API. Routes: GET /v2/health/live, /v2/health/ready,",
    "/v2/models/NAME, POST /v2/models/NAME/infer, GET /metrics (Prometheus). See docs/SERVING.md."})
final class ServeCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "NAME=PATH",
      description = "A model to serve under NAME (letters, digits, . _ -): safetensors (micro-batched) or .onnx "
          + "(each request runs the whole graph, unbatched); repeat for several.")
  List<String> models = new ArrayList<>();

  @Option(names = "--host", description = "Address to bind (default: ${DEFAULT-VALUE}).")
  String host = "127.0.0.1";

  @Option(names = "--port", description = "Port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port = 8080;

  @Option(names = "--max-batch", description = "Most sequences run together; 1 disables batching "
      + "(default: ${DEFAULT-VALUE}).")
  int maxBatch = 64;

  @Option(names = "--max-delay-us", description = "How long the oldest request may wait for others to join its "
      + "batch, µs (default: ${DEFAULT-VALUE}).")
  long maxDelayMicros = 2000;

  @Option(names = "--queue", description = "Most requests waiting per model; beyond it 503 (default: ${DEFAULT-VALUE}).")
  int queue = 1024;

  @Option(names = "--workers", description = "Compute threads per model (default: ${DEFAULT-VALUE}).")
  int workers = 1;

  @Option(names = "--max-body-bytes", description = "Largest request body; beyond it 413 (default: ${DEFAULT-VALUE}).")
  int maxBodyBytes = 8 << 20;

  @Option(names = "--timeout-ms", description = "A request not started within this time gets 503 "
      + "(default: ${DEFAULT-VALUE}).")
  long timeoutMillis = 30_000;

  @picocli.CommandLine.Mixin
  Backends backend;

  @picocli.CommandLine.Mixin
  Precisions precision;

  /**
   * The JDK's HttpServer closes a keep-alive connection after its response once 200 are idle
   * (sun.net.httpserver.maxIdleConnections); a client with more connections may then send its next
   * request on a connection the server is closing and get an I/O error instead of an answer (seen
   * as 28 IOExceptions with 256 load-test clients). Keep up to this many idle, unless set by -D.
   */
  static final int MAX_IDLE_CONNECTIONS = 4096;

  @Override
  public Integer call() throws Exception {
    if (System.getProperty("sun.net.httpserver.maxIdleConnections") == null) {
      System.setProperty("sun.net.httpserver.maxIdleConnections", Integer.toString(MAX_IDLE_CONNECTIONS));
    }
    Backend b = backend.choose();
    org.rnn4j.Precision prec = precision.choose();
    Map<String, Path> files = parseModels(models);
    ServerOptions opts = ServerOptions.defaults().withHost(host).withPort(port).withMaxBodyBytes(maxBodyBytes)
        .withMaxInflightBodyBytes(Math.max(256L << 20, 4L * maxBodyBytes)).withTimeoutMillis(timeoutMillis)
        .withBatching(new BatchingOptions(maxBatch, maxDelayMicros, queue, workers, "rnn4j-serve"));
    Map<String, Model> loaded = new LinkedHashMap<>();
    Map<String, OnnxModel> graphs = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, Path> e : files.entrySet()) {
        if (OnnxModel.looksLikeOnnx(e.getValue())) {
          graphs.put(e.getKey(), OnnxModel.load(e.getValue(), b));
        } else {
          loaded.put(e.getKey(), Model.load(e.getValue(), b, prec));
        }
      }
      InferenceServer server = InferenceServer.start(loaded, graphs, opts);
      PrintWriter out = spec.commandLine().getOut();
      for (Map.Entry<String, Model> e : loaded.entrySet()) {
        out.printf("serving %s: %s on %s%s%n", e.getKey(), e.getValue().spec(), b.name(),
            prec == org.rnn4j.Precision.FP32 ? "" : " in " + prec);
      }
      for (Map.Entry<String, OnnxModel> e : graphs.entrySet()) {
        out.printf("serving %s: ONNX graph, inputs %s, outputs %s, on %s; unbatched (each request runs the whole "
            + "graph on one of %d workers)%n", e.getKey(), e.getValue().inputs(), e.getValue().outputs(), b.name(),
            workers);
      }
      out.printf("listening on %s (max batch %d, max delay %d µs, queue %d); Ctrl-C stops%n", server.baseUrl(),
          maxBatch, maxDelayMicros, queue);
      out.flush();
      CountDownLatch stopped = new CountDownLatch(1);
      Thread hook = new Thread(() -> {
        server.close();
        loaded.values().forEach(Model::close);
        graphs.values().forEach(OnnxModel::close);
        stopped.countDown();
      }, "rnn4j-serve-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      stopped.await();
      return 0;
    } catch (Exception | Error e) {
      loaded.values().forEach(Model::close);
      graphs.values().forEach(OnnxModel::close);
      throw e;
    }
  }

  static Map<String, Path> parseModels(List<String> specs) {
    Map<String, Path> out = new LinkedHashMap<>();
    for (String s : specs) {
      int eq = s.indexOf('=');
      if (eq <= 0 || eq == s.length() - 1) {
        throw new IllegalArgumentException("--model must be NAME=PATH, got '" + s + "'");
      }
      String name = s.substring(0, eq);
      if (!name.matches("[A-Za-z0-9._-]+")) {
        throw new IllegalArgumentException("--model " + s + ": NAME may hold letters, digits, '.', '_' and '-' only");
      }
      if (out.put(name, Path.of(s.substring(eq + 1))) != null) {
        throw new IllegalArgumentException("--model: name '" + name + "' given twice");
      }
    }
    return out;
  }
}
