package org.rnn4j.cli.serve;

import org.rnn4j.serving.BatchingOptions;

/**
 * How {@link InferenceServer} listens and batches.
 *
 * @param host address to bind (127.0.0.1 by default: expose deliberately)
 * @param port 0 picks a free port
 * @param batching the micro-batching of every model's executor
 * @param maxBodyBytes larger request bodies get 413 without being read
 * @param maxInflightBodyBytes request bytes being read or parsed at once, all requests together;
 *     beyond it requests get 503 (parsing expands a body a few times, so this bounds memory)
 * @param timeoutMillis a request not started within this time fails with 503 (deadline)
 */
public record ServerOptions(String host, int port, BatchingOptions batching, int maxBodyBytes,
    long maxInflightBodyBytes, long timeoutMillis) {
  public ServerOptions {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be in 0..65535, got " + port);
    }
    if (maxBodyBytes < 1) {
      throw new IllegalArgumentException("max body bytes must be positive, got " + maxBodyBytes);
    }
    if (maxInflightBodyBytes < maxBodyBytes) {
      throw new IllegalArgumentException("max in-flight body bytes (" + maxInflightBodyBytes
          + ") must be at least the max body bytes (" + maxBodyBytes + ")");
    }
    if (timeoutMillis < 1) {
      throw new IllegalArgumentException("timeout must be positive, got " + timeoutMillis + " ms");
    }
  }

  public static ServerOptions defaults() {
    return new ServerOptions("127.0.0.1", 8080, BatchingOptions.defaults().withThreadName("rnn4j-serve"),
        8 << 20, 256L << 20, 30_000);
  }

  public ServerOptions withPort(int p) {
    return new ServerOptions(host, p, batching, maxBodyBytes, maxInflightBodyBytes, timeoutMillis);
  }

  public ServerOptions withHost(String h) {
    return new ServerOptions(h, port, batching, maxBodyBytes, maxInflightBodyBytes, timeoutMillis);
  }

  public ServerOptions withBatching(BatchingOptions b) {
    return new ServerOptions(host, port, b, maxBodyBytes, maxInflightBodyBytes, timeoutMillis);
  }

  public ServerOptions withMaxBodyBytes(int n) {
    return new ServerOptions(host, port, batching, n, Math.max(maxInflightBodyBytes, n), timeoutMillis);
  }

  public ServerOptions withMaxInflightBodyBytes(long n) {
    return new ServerOptions(host, port, batching, maxBodyBytes, n, timeoutMillis);
  }

  public ServerOptions withTimeoutMillis(long ms) {
    return new ServerOptions(host, port, batching, maxBodyBytes, maxInflightBodyBytes, ms);
  }
}
