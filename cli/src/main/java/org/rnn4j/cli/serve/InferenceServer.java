package org.rnn4j.cli.serve;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.rnn4j.Model;
import org.rnn4j.ModelSpec;
import org.rnn4j.onnx.OnnxModel;
import org.rnn4j.onnx.Tensor;
import org.rnn4j.serving.BatchingExecutor;
import org.rnn4j.serving.DeadlineExceededException;
import org.rnn4j.serving.ExecutorClosedException;
import org.rnn4j.serving.QueueFullException;
import org.rnn4j.serving.SequenceResult;

/**
 * The Open Inference Protocol v2 (KServe / Triton) REST API over rnn4j models, on the JDK's
 * built-in HTTP server with one virtual thread per exchange (see docs/SERVING.md for why).
 * Every model has its own {@link BatchingExecutor}; all requests to a model share it, so
 * concurrent requests are micro-batched.
 *
 * <p>Routes: {@code GET /v2}, {@code /v2/health/live}, {@code /v2/health/ready},
 * {@code /v2/models/{name}}, {@code /v2/models/{name}/ready}, {@code POST /v2/models/{name}/infer},
 * {@code GET /metrics} (Prometheus text). Errors are JSON {@code {"error": "..."}}: 400 bad
 * request, 404 unknown route or model, 405 wrong method, 413 body too large, 503 overload (with
 * Retry-After) or shutting down. The models are not closed by {@link #close()}.
 *
 * <p>ONNX graphs are served unbatched: each request runs the whole graph ({@link OnnxModel#run})
 * on one of a fixed number of worker threads behind a bounded queue (same capacity, deadline and
 * 503 rules as the executor), because a graph's glue ops cannot be split into independent rows.
 * Their tensors are named as the graph's inputs and outputs.
 */
public final class InferenceServer implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger("org.rnn4j.serve");
  private static final String JSON = "application/json";
  /** The binary tensor data extension's header: length of the JSON part of a body. */
  static final String BINARY_HEADER = "Inference-Header-Content-Length";

  /** A model and its executor. */
  record Served(String name, Model model, BatchingExecutor executor, AtomicLong shed,
      Map<String, OpenStream> streams) {
    /** Refused for a full queue: by the executor, or by the server before it read the body. */
    long rejected() {
      return executor.metrics().rejected() + shed.get();
    }
  }

  /** An ONNX graph, run unbatched by a fixed pool of workers behind a bounded queue. */
  record OnnxServed(String name, OnnxModel model, ThreadPoolExecutor pool, AtomicLong completed, AtomicLong rejected,
      AtomicLong expired, AtomicLong failed) {
  }

  /** A stream opened over HTTP, and when it was last used (streams idle for STREAM_IDLE are closed). */
  record OpenStream(org.rnn4j.serving.StreamSession session, AtomicLong lastUsed) {
  }

  /** Streams not used for this long are closed (checked whenever a stream is opened). */
  static final Duration STREAM_IDLE = Duration.ofMinutes(5);
  private static final java.security.SecureRandom IDS = new java.security.SecureRandom();

  private final ServerOptions options;
  private final Map<String, Served> models = new LinkedHashMap<>();
  private final Map<String, OnnxServed> graphs = new LinkedHashMap<>();
  private final HttpServer http;
  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
  /** Body bytes being read or parsed now, in bytes; bounds the memory requests can take. */
  private final Semaphore bodyBudget;
  private final Map<Integer, AtomicLong> responses = new ConcurrentHashMap<>();
  private volatile boolean draining;

  private InferenceServer(Map<String, Model> named, Map<String, OnnxModel> onnx, ServerOptions options)
      throws IOException {
    this.options = options;
    this.bodyBudget = new Semaphore((int) Math.min(Integer.MAX_VALUE, options.maxInflightBodyBytes()));
    for (Map.Entry<String, Model> e : named.entrySet()) {
      models.put(e.getKey(), new Served(e.getKey(), e.getValue(), new BatchingExecutor(e.getValue(),
          options.batching().withThreadName(options.batching().threadName() + "-" + e.getKey())), new AtomicLong(),
          new ConcurrentHashMap<>()));
    }
    for (Map.Entry<String, OnnxModel> e : onnx.entrySet()) {
      if (models.containsKey(e.getKey())) {
        throw new IllegalArgumentException("model name '" + e.getKey() + "' given twice");
      }
      String prefix = options.batching().threadName() + "-" + e.getKey() + "-onnx-";
      AtomicInteger n = new AtomicInteger();
      int workers = options.batching().workers();
      ThreadPoolExecutor pool = new ThreadPoolExecutor(workers, workers, 0, TimeUnit.MILLISECONDS,
          new ArrayBlockingQueue<>(options.batching().queueCapacity()), r -> {
            Thread t = new Thread(r, prefix + n.getAndIncrement());
            t.setDaemon(true);
            return t;
          });
      graphs.put(e.getKey(), new OnnxServed(e.getKey(), e.getValue(), pool, new AtomicLong(), new AtomicLong(),
          new AtomicLong(), new AtomicLong()));
    }
    try {
      http = HttpServer.create(new InetSocketAddress(options.host(), options.port()), 0);
    } catch (IOException | RuntimeException e) {
      models.values().forEach(s -> s.executor.shutdownNow());
      graphs.values().forEach(g -> g.pool.shutdownNow());
      throw e;
    }
    http.setExecutor(threads);
    http.createContext("/", this::handle);
  }

  /** Starts serving the models (name → model); the models stay the caller's to close. */
  public static InferenceServer start(Map<String, Model> models, ServerOptions options) throws IOException {
    return start(models, Map.of(), options);
  }

  /** Starts serving rnn4j models (micro-batched) and ONNX graphs (unbatched); all stay the caller's to close. */
  public static InferenceServer start(Map<String, Model> models, Map<String, OnnxModel> onnx, ServerOptions options)
      throws IOException {
    if (models.isEmpty() && onnx.isEmpty()) {
      throw new IllegalArgumentException("no models to serve");
    }
    InferenceServer s = new InferenceServer(models, onnx, options);
    s.http.start();
    return s;
  }

  /** The port actually bound (useful with port 0). */
  public int port() {
    return http.getAddress().getPort();
  }

  public String baseUrl() {
    return "http://" + http.getAddress().getHostString() + ":" + port();
  }

  /**
   * Stops accepting requests (new ones get 503), lets queued ones finish (failing what remains
   * after {@code grace}), then closes the listener and releases the threads.
   */
  public void close(Duration grace) {
    draining = true;
    models.values().forEach(s -> {
      s.streams.values().forEach(o -> o.session.close());
      s.streams.clear();
      s.executor.shutdown();
    });
    graphs.values().forEach(g -> g.pool.shutdown());
    long deadline = System.nanoTime() + grace.toNanos();
    for (OnnxServed g : graphs.values()) {
      try {
        if (!g.pool.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          g.pool.shutdownNow();
        }
      } catch (InterruptedException e) {
        g.pool.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
    for (Served s : models.values()) {
      try {
        if (!s.executor.awaitTermination(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))) {
          s.executor.shutdownNow();
        }
      } catch (InterruptedException e) {
        s.executor.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
    // Handlers still running have their results (or failures) and only need to write them.
    http.stop(1);
    threads.shutdownNow();
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(10));
  }

  // ------------------------------------------------------------------ routing

  private void handle(HttpExchange ex) {
    int status = 500;
    try (ex) {
      try {
        status = route(ex);
      } catch (HttpError e) {
        status = e.status;
        if (status == 503) {
          ex.getResponseHeaders().set("Retry-After", "1");
        }
        if (status == 405) {
          ex.getResponseHeaders().set("Allow", e.getMessage().contains("POST") ? "POST" : "GET");
        }
        send(ex, status, error(e.getMessage()));
      } catch (IOException e) {
        throw e;
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.ERROR, "internal error on " + ex.getRequestURI(), e);
        status = 500;
        send(ex, 500, error("internal error: " + e));
      }
    } catch (IOException e) {
      // The client went away; nothing to answer.
      LOG.log(System.Logger.Level.DEBUG, "I/O error answering " + ex.getRequestURI() + ": " + e);
    } finally {
      responses.computeIfAbsent(status, k -> new AtomicLong()).incrementAndGet();
    }
  }

  private int route(HttpExchange ex) throws IOException, HttpError {
    String path = ex.getRequestURI().getRawPath();
    String method = ex.getRequestMethod();
    if (path.equals("/metrics")) {
      requireGet(method);
      byte[] b = PrometheusText.render(models.values(), graphs.values(), responses).getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
      ex.sendResponseHeaders(200, b.length);
      ex.getResponseBody().write(b);
      return 200;
    }
    if (path.equals("/v2")) {
      requireGet(method);
      return send(ex, 200, Map.of("name", "rnn4j", "version", "0.1.0-SNAPSHOT", "extensions", List.of("binary_tensor_data")));
    }
    if (path.equals("/v2/health/live")) {
      requireGet(method);
      return send(ex, 200, Map.of("live", true));
    }
    if (path.equals("/v2/health/ready")) {
      requireGet(method);
      return send(ex, draining ? 503 : 200, Map.of("ready", !draining));
    }
    if (path.startsWith("/v2/models/")) {
      String rest = path.substring("/v2/models/".length());
      int slash = rest.indexOf('/');
      String name = slash < 0 ? rest : rest.substring(0, slash);
      String action = slash < 0 ? "" : rest.substring(slash + 1);
      if (!action.isEmpty() && !action.equals("ready") && !action.equals("infer") && !action.equals("streams")
          && !action.startsWith("streams/")) {
        throw new HttpError(404, "no route " + path);
      }
      Served s = models.get(name);
      OnnxServed g = graphs.get(name);
      if (s == null && g == null) {
        List<String> all = new ArrayList<>(models.keySet());
        all.addAll(graphs.keySet());
        throw new HttpError(404, "unknown model \"" + name + "\" (serving: " + String.join(", ", all) + ")");
      }
      if (action.startsWith("streams")) {
        if (s == null) {
          throw new HttpError(404, "model \"" + name + "\" is an ONNX graph; streams are served for safetensors models");
        }
        return streams(ex, s, method, action.substring("streams".length()), path);
      }
      if (g != null) {
        switch (action) {
          case "" -> {
            requireGet(method);
            return send(ex, 200, metadata(g));
          }
          case "ready" -> {
            requireGet(method);
            return send(ex, draining ? 503 : 200, Map.of("name", name, "ready", !draining));
          }
          default -> {
            if (!method.equals("POST")) {
              throw new HttpError(405, "use POST for " + path);
            }
            return infer(ex, g);
          }
        }
      }
      switch (action) {
        case "" -> {
          requireGet(method);
          return send(ex, 200, metadata(s));
        }
        case "ready" -> {
          requireGet(method);
          return send(ex, draining ? 503 : 200, Map.of("name", name, "ready", !draining));
        }
        default -> {
          if (!method.equals("POST")) {
            throw new HttpError(405, "use POST for " + path);
          }
          return infer(ex, s);
        }
      }
    }
    throw new HttpError(404, "no route " + path);
  }

  // ------------------------------------------------------------------ streams (rnn4j extension)

  /**
   * {@code POST .../streams} opens a stream, {@code POST .../streams/ID/infer} advances it by the K
   * steps of x [K, I] (their steps batched with every other stream's), {@code DELETE .../streams/ID}
   * closes it. See docs/SERVING.md.
   */
  private int streams(HttpExchange ex, Served s, String method, String sub, String path)
      throws IOException, HttpError {
    if (sub.isEmpty()) {
      if (!method.equals("POST")) {
        throw new HttpError(405, "use POST for " + path);
      }
      if (draining) {
        throw new HttpError(503, "server is shutting down");
      }
      ex.getRequestBody().transferTo(OutputStream.nullOutputStream());
      long now = System.nanoTime();
      s.streams.entrySet().removeIf(e -> {
        boolean idle = now - e.getValue().lastUsed.get() > STREAM_IDLE.toNanos();
        if (idle) {
          e.getValue().session.close();
        }
        return idle;
      });
      int limit = s.executor.options().queueCapacity();
      if (s.streams.size() >= limit) {
        throw new HttpError(503, "too many open streams (" + limit + "); close some or retry later");
      }
      org.rnn4j.serving.StreamSession session;
      try {
        session = s.executor.openStream();
      } catch (IllegalStateException e) {
        throw HttpError.badRequest(e.getMessage());
      } catch (ExecutorClosedException e) {
        throw new HttpError(503, "server is shutting down");
      }
      byte[] raw = new byte[12];
      IDS.nextBytes(raw);
      String id = java.util.HexFormat.of().formatHex(raw);
      s.streams.put(id, new OpenStream(session, new AtomicLong(now)));
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("stream_id", id);
      m.put("idle_timeout_s", STREAM_IDLE.toSeconds());
      return send(ex, 200, m);
    }
    String rest = sub.substring(1);
    int slash = rest.indexOf('/');
    String id = slash < 0 ? rest : rest.substring(0, slash);
    String action = slash < 0 ? "" : rest.substring(slash + 1);
    OpenStream st = s.streams.get(id);
    if (st == null || !(action.isEmpty() || action.equals("infer"))) {
      throw new HttpError(404, st == null ? "unknown stream \"" + id + "\" (closed, expired or never opened)"
          : "no route " + path);
    }
    if (action.isEmpty()) {
      if (!method.equals("DELETE")) {
        throw new HttpError(405, "use DELETE for " + path);
      }
      s.streams.remove(id);
      st.session.close();
      return send(ex, 200, Map.of("stream_id", id, "closed", true));
    }
    if (!method.equals("POST")) {
      throw new HttpError(405, "use POST for " + path);
    }
    st.lastUsed.set(System.nanoTime());
    int capacity = s.executor.options().queueCapacity();
    InferCodec.StreamParsed p = readRequest(ex, s.executor.metrics().queueDepth() >= capacity, capacity, s.shed,
        (json, binary) -> InferCodec.parseStream(json, s.model.spec(), binary));
    Duration timeout = Duration.ofMillis(options.timeoutMillis());
    int in = s.model.spec().inputSize();
    List<CompletableFuture<float[]>> fs = new ArrayList<>(p.steps());
    try {
      for (int t = 0; t < p.steps(); t++) {
        fs.add(st.session.step(java.util.Arrays.copyOfRange(p.x(), t * in, (t + 1) * in), timeout));
      }
    } catch (QueueFullException e) {
      fs.forEach(f -> f.cancel(false));
      throw new HttpError(503, "overloaded: " + e.getMessage());
    } catch (ExecutorClosedException | IllegalStateException e) {
      fs.forEach(f -> f.cancel(false));
      throw new HttpError(503, "stream closed or server shutting down: " + e.getMessage());
    }
    int width = s.model.spec().outputWidth();
    float[] y = new float[p.steps() * width];
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2 * options.timeoutMillis());
    for (int t = 0; t < fs.size(); t++) {
      try {
        System.arraycopy(fs.get(t).get(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS), 0, y, t * width,
            width);
      } catch (ExecutionException e) {
        fs.forEach(f -> f.cancel(false));
        throw new HttpError(503, "step " + t + " not run: " + e.getCause().getMessage() + " (steps after it were "
            + "skipped; the stream's state includes steps 0.." + (t - 1) + ")");
      } catch (TimeoutException | CancellationException e) {
        fs.forEach(f -> f.cancel(false));
        throw new HttpError(503, "timed out after " + options.timeoutMillis() + " ms");
      } catch (InterruptedException e) {
        fs.forEach(f -> f.cancel(false));
        Thread.currentThread().interrupt();
        throw new HttpError(503, "server is shutting down");
      }
    }
    st.lastUsed.set(System.nanoTime());
    return sendInference(ex, InferCodec.streamResponse(s.name, p, y, width));
  }

  private static void requireGet(String method) throws HttpError {
    if (!method.equals("GET") && !method.equals("HEAD")) {
      throw new HttpError(405, "use GET");
    }
  }

  private static Map<String, Object> metadata(Served s) {
    ModelSpec spec = s.model.spec();
    int ld = spec.directionCount();
    List<Object> inputs = new ArrayList<>();
    inputs.add(port("x", "FP32", -1, -1, spec.inputSize()));
    inputs.add(port("lengths", "INT64", -1));
    inputs.add(port("h0", "FP32", ld, -1, spec.outputWidth()));
    if (spec.hasCellState()) {
      inputs.add(port("c0", "FP32", ld, -1, spec.hiddenSize()));
    }
    List<Object> outputs = new ArrayList<>();
    outputs.add(port("y", "FP32", -1, -1, spec.directions() * spec.outputWidth()));
    outputs.add(port("h_n", "FP32", ld, -1, spec.outputWidth()));
    if (spec.hasCellState()) {
      outputs.add(port("c_n", "FP32", ld, -1, spec.hiddenSize()));
    }
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("spec", spec.toString());
    params.put("backend", s.model.backend().name());
    params.put("max_batch", s.executor.options().maxBatch());
    params.put("note", "x may also be [T, I] (one sequence); then h0/c0 are [L*D, .] and outputs drop the batch axis");
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", s.name);
    m.put("versions", List.of("1"));
    m.put("platform", "rnn4j");
    m.put("inputs", inputs);
    m.put("outputs", outputs);
    m.put("parameters", params);
    return m;
  }

  private Map<String, Object> metadata(OnnxServed g) {
    List<Object> inputs = new ArrayList<>();
    for (OnnxModel.Port p : g.model.inputs()) {
      inputs.add(port(p));
    }
    List<Object> outputs = new ArrayList<>();
    for (OnnxModel.Port p : g.model.outputs()) {
      outputs.add(port(p));
    }
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("backend", g.model.backend().name());
    params.put("batching", "none: each request runs the whole graph (ONNX glue ops cannot be split by rows)");
    params.put("workers", options.batching().workers());
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", g.name);
    m.put("versions", List.of("1"));
    m.put("platform", "onnx");
    m.put("inputs", inputs);
    m.put("outputs", outputs);
    m.put("parameters", params);
    return m;
  }

  /** An ONNX port: symbolic or unknown dimensions as -1; FP32/INT64/INT32 where the graph declares those. */
  private static Map<String, Object> port(OnnxModel.Port p) {
    long[] shape = p.shape() == null ? new long[] {-1} : new long[p.shape().size()];
    for (int i = 0; p.shape() != null && i < shape.length; i++) {
      String d = p.shape().get(i);
      shape[i] = !d.isEmpty() && Character.isDigit(d.charAt(0)) ? Long.parseLong(d) : -1;
    }
    String type = InferCodec.v2Type(p.dataType());
    return port(p.name(), type == null ? p.dataType() : type, shape);
  }

  private static Map<String, Object> port(String name, String type, long... shape) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("name", name);
    p.put("datatype", type);
    p.put("shape", shape);
    return p;
  }

  // ------------------------------------------------------------------ inference

  /** Parses a request (its JSON, and the binary part when the extension's header is there). */
  @FunctionalInterface
  private interface RequestParser<T> {
    T parse(Object json, ByteBuffer binary) throws HttpError;
  }

  /**
   * Reads and parses an infer request within the body budget; refuses at once (503, body read but
   * not parsed) when queueFull says the model cannot take more.
   */
  private <T> T readRequest(HttpExchange ex, boolean queueFull, int capacity, AtomicLong shed,
      RequestParser<T> parser) throws IOException, HttpError {
    if (draining) {
      throw new HttpError(503, "server is shutting down");
    }
    String lenHeader = ex.getRequestHeaders().getFirst("Content-Length");
    long declared = -1;
    if (lenHeader != null) {
      try {
        declared = Long.parseLong(lenHeader.trim());
      } catch (NumberFormatException e) {
        throw HttpError.badRequest("invalid Content-Length: " + lenHeader);
      }
    }
    if (declared > options.maxBodyBytes()) {
      throw new HttpError(413, "request body of " + declared + " bytes exceeds the limit of " + options.maxBodyBytes());
    }
    // Shed load before parsing the body: under overload, refusing must stay cheap. The body is
    // still read (not parsed), so that the connection stays usable and the client sees the 503.
    if (queueFull) {
      shed.incrementAndGet();
      if (declared >= 0) {
        ex.getRequestBody().transferTo(OutputStream.nullOutputStream());
      }
      throw new HttpError(503, "overloaded: queue full (" + capacity + " requests waiting); retry later");
    }
    // Charge the budget before reading: at most maxInflightBodyBytes are held in requests at once.
    int charge = (int) (declared >= 0 ? declared : options.maxBodyBytes());
    if (!bodyBudget.tryAcquire(charge)) {
      throw new HttpError(503, "server is busy reading other requests; retry");
    }
    try {
      byte[] body = readBody(ex.getRequestBody(), charge);
      int jsonLength = jsonHeaderLength(ex.getRequestHeaders().getFirst(BINARY_HEADER), body.length);
      String text = utf8(body, jsonLength < 0 ? body.length : jsonLength);
      Object json;
      try {
        json = Json.parse(text);
      } catch (Json.JsonException e) {
        String hint = jsonLength < 0 && e.getMessage().startsWith("unexpected text after") ? " (binary tensor data "
            + "after the JSON needs the " + BINARY_HEADER + " header)" : "";
        throw HttpError.badRequest("malformed JSON: " + e.getMessage() + hint);
      }
      ByteBuffer binary = jsonLength < 0 ? null : ByteBuffer.wrap(body, jsonLength, body.length - jsonLength);
      return parser.parse(json, binary);
    } finally {
      bodyBudget.release(charge);
    }
  }

  private int infer(HttpExchange ex, Served s) throws IOException, HttpError {
    int capacity = s.executor.options().queueCapacity();
    InferCodec.Parsed parsed = readRequest(ex, s.executor.metrics().queueDepth() >= capacity, capacity, s.shed,
        (json, binary) -> InferCodec.parse(json, s.model.spec(), binary));
    SequenceResult[] results = run(s, parsed);
    return sendInference(ex, InferCodec.response(s.name, s.model.spec(), parsed, results));
  }

  private int infer(HttpExchange ex, OnnxServed g) throws IOException, HttpError {
    int capacity = options.batching().queueCapacity();
    InferCodec.OnnxParsed parsed = readRequest(ex, g.pool.getQueue().size() >= capacity, capacity, g.rejected,
        (json, binary) -> InferCodec.parseOnnx(json, g.model, binary));
    long submitted = System.nanoTime();
    long deadline = submitted + TimeUnit.MILLISECONDS.toNanos(options.timeoutMillis());
    java.util.concurrent.Future<Map<String, Tensor>> f;
    try {
      f = g.pool.submit(() -> {
        if (System.nanoTime() - deadline > 0) {
          throw new DeadlineExceededException((System.nanoTime() - submitted) / 1000);
        }
        return g.model.run(parsed.inputs());
      });
    } catch (RejectedExecutionException e) {
      g.rejected.incrementAndGet();
      throw new HttpError(503, g.pool.isShutdown() ? "server is shutting down" : "overloaded: queue full ("
          + capacity + " requests waiting); retry later");
    }
    Map<String, Tensor> results;
    try {
      results = f.get(2 * options.timeoutMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof DeadlineExceededException) {
        g.expired.incrementAndGet();
        throw new HttpError(503, "overloaded: " + c.getMessage());
      }
      g.failed.incrementAndGet();
      if (c instanceof IllegalArgumentException) {
        throw HttpError.badRequest(c.getMessage());
      }
      throw new IllegalStateException("inference failed: " + c, c);
    } catch (TimeoutException | CancellationException e) {
      f.cancel(true);
      g.expired.incrementAndGet();
      throw new HttpError(503, "timed out after " + options.timeoutMillis() + " ms");
    } catch (InterruptedException e) {
      f.cancel(true);
      Thread.currentThread().interrupt();
      throw new HttpError(503, "server is shutting down");
    }
    g.completed.incrementAndGet();
    return sendInference(ex, InferCodec.onnxResponse(g.name, parsed, results));
  }

  /** A 200 answer: plain JSON, or JSON then binary outputs under the binary tensor data extension. */
  private static int sendInference(HttpExchange ex, InferCodec.Response r) throws IOException {
    if (r.binary().isEmpty()) {
      return send(ex, 200, r.json());
    }
    byte[] head = Json.write(r.json()).getBytes(StandardCharsets.UTF_8);
    byte[] tail = InferCodec.bytes(r.binary());
    ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
    ex.getResponseHeaders().set(BINARY_HEADER, Integer.toString(head.length));
    ex.sendResponseHeaders(200, (long) head.length + tail.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(head);
      os.write(tail);
    }
    return 200;
  }

  /**
   * The JSON part's length from the binary tensor data extension's header, or -1 without the
   * header; 400 when it is not an integer within the body.
   */
  static int jsonHeaderLength(String header, int bodyLength) throws HttpError {
    if (header == null) {
      return -1;
    }
    long n;
    try {
      n = Long.parseLong(header.trim());
    } catch (NumberFormatException e) {
      throw HttpError.badRequest(BINARY_HEADER + " must be a byte count, got \"" + header + "\"");
    }
    if (n < 0 || n > bodyLength) {
      throw HttpError.badRequest(BINARY_HEADER + ": " + n + " is outside the body of " + bodyLength + " bytes");
    }
    return (int) n;
  }

  private byte[] readBody(InputStream in, int limit) throws IOException, HttpError {
    byte[] buf = new byte[Math.min(limit, 1 << 16) + 1];
    int n = 0;
    while (true) {
      if (n == buf.length) {
        if (n > limit) {
          throw new HttpError(413, "request body exceeds the limit of " + options.maxBodyBytes() + " bytes");
        }
        buf = java.util.Arrays.copyOf(buf, (int) Math.min((long) limit + 1, 2L * n));
      }
      int r = in.read(buf, n, buf.length - n);
      if (r < 0) {
        break;
      }
      n += r;
      if (n > limit) {
        throw new HttpError(413, "request body exceeds the limit of " + options.maxBodyBytes() + " bytes");
      }
    }
    return n == buf.length ? buf : java.util.Arrays.copyOf(buf, n);
  }

  private static String utf8(byte[] b, int n) throws HttpError {
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, 0, n)).toString();
    } catch (CharacterCodingException e) {
      throw HttpError.badRequest("request body is not valid UTF-8");
    }
  }

  /** Submits every sequence of the request to the model's executor and waits for all of them. */
  private SequenceResult[] run(Served s, InferCodec.Parsed p) throws HttpError {
    Duration timeout = Duration.ofMillis(options.timeoutMillis());
    List<CompletableFuture<SequenceResult>> fs = new ArrayList<>(p.batch());
    try {
      for (int b = 0; b < p.batch(); b++) {
        fs.add(s.executor.submit(p.xs()[b], p.h0s()[b], p.c0s()[b], timeout));
      }
    } catch (QueueFullException e) {
      fs.forEach(f -> f.cancel(false));
      throw new HttpError(503, "overloaded: " + e.getMessage());
    } catch (ExecutorClosedException e) {
      fs.forEach(f -> f.cancel(false));
      throw new HttpError(503, "server is shutting down");
    } catch (IllegalArgumentException e) {
      fs.forEach(f -> f.cancel(false));
      throw HttpError.badRequest(e.getMessage());
    }
    SequenceResult[] out = new SequenceResult[fs.size()];
    // The deadline bounds the queue wait; the extra time bounds one batch's compute.
    long waitNanos = TimeUnit.MILLISECONDS.toNanos(2 * options.timeoutMillis());
    long until = System.nanoTime() + waitNanos;
    for (int b = 0; b < out.length; b++) {
      try {
        out[b] = fs.get(b).get(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (ExecutionException e) {
        fs.forEach(f -> f.cancel(false));
        Throwable c = e.getCause();
        if (c instanceof DeadlineExceededException) {
          throw new HttpError(503, "overloaded: " + c.getMessage());
        }
        if (c instanceof ExecutorClosedException) {
          throw new HttpError(503, "server is shutting down");
        }
        throw new IllegalStateException("inference failed: " + c, c);
      } catch (TimeoutException | CancellationException e) {
        fs.forEach(f -> f.cancel(false));
        throw new HttpError(503, "timed out after " + options.timeoutMillis() + " ms");
      } catch (InterruptedException e) {
        fs.forEach(f -> f.cancel(false));
        Thread.currentThread().interrupt();
        throw new HttpError(503, "server is shutting down");
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ responses

  private static Map<String, Object> error(String message) {
    return Map.of("error", message);
  }

  private static int send(HttpExchange ex, int status, Object body) throws IOException {
    byte[] b = Json.write(body).getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", JSON);
    if (ex.getRequestMethod().equals("HEAD")) {
      ex.sendResponseHeaders(status, -1);
      return status;
    }
    ex.sendResponseHeaders(status, b.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(b);
    }
    return status;
  }
}
