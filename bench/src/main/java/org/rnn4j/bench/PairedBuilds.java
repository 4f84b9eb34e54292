package org.rnn4j.bench;

import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * Two builds of rnn4j timed against each other inside one JVM: each benchmark jar in a class loader
 * of its own, the same model and input, calls alternating A, B, B, A, … and the ratio of each
 * adjacent pair reported (median and quartiles). On a shared machine whose speed drifts from minute
 * to minute this separates a code change from the host's mood where separate JMH forks cannot
 * (bench/RESULTS.md, sessions 8–10). Not JMH: one warm-up phase, then wall-clock time per call.
 *
 * <p>{@code java --add-modules jdk.incubator.vector -cp bench/target/rnn4j-benchmarks.jar
 * org.rnn4j.bench.PairedBuilds A.jar B.jar IMPL CONFIG CALLS THREADS [WARMUP_SECONDS]}, e.g.
 * {@code … old.jar new.jar simd lstm_512_512_50_16 100 1}. The jars are benchmark jars (or slimmer
 * copies without ONNX Runtime and OpenBLAS when only rnn4j's own backends are compared); IMPL and
 * CONFIG are {@link RnnBenchmark}'s parameters.
 */
public final class PairedBuilds {
  private PairedBuilds() {
  }

  /** One build: its runner, bound to the input, in its own class loader. */
  private static final class Build {
    private final Object runner;
    private final Method call;

    Build(String jar, String impl, String config, int threads) throws Exception {
      ClassLoader cl = new URLClassLoader(new URL[] {Path.of(jar).toUri().toURL()},
          ClassLoader.getPlatformClassLoader());
      Class<?> runners = cl.loadClass(Runners.class.getName());
      runners.getMethod("applyThreads", int.class).invoke(null, threads);
      Class<?> bc = cl.loadClass(BenchConfig.class.getName());
      Object cfg = bc.getMethod("parse", String.class).invoke(null, config);
      Object weights = bc.getMethod("weights").invoke(cfg);
      int steps = (int) bc.getMethod("steps").invoke(cfg);
      int batch = (int) bc.getMethod("batch").invoke(cfg);
      int input = (int) bc.getMethod("input").invoke(cfg);
      Method create = Arrays.stream(runners.getMethods())
          .filter(m -> m.getName().equals("create") && m.getParameterCount() == 3).findFirst().orElseThrow();
      runner = create.invoke(null, impl, weights, threads);
      float[] x = new float[steps * batch * input];
      Random rnd = new Random(2);
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) rnd.nextGaussian();
      }
      Class<?> rc = cl.loadClass(Runner.class.getName());
      rc.getMethod("bind", float[].class, int.class, int.class).invoke(runner, x, steps, batch);
      call = rc.getMethod("call");
    }

    double millis() throws Exception {
      long t0 = System.nanoTime();
      call.invoke(runner);
      return (System.nanoTime() - t0) / 1e6;
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 6) {
      System.err.println("usage: PairedBuilds A.jar B.jar IMPL CONFIG CALLS THREADS [WARMUP_SECONDS]");
      return;
    }
    String impl = args[2];
    String config = args[3];
    int calls = Integer.parseInt(args[4]);
    int threads = Integer.parseInt(args[5]);
    double warmup = args.length > 6 ? Double.parseDouble(args[6]) : 8;
    Build a = new Build(args[0], impl, config, threads);
    Build b = new Build(args[1], impl, config, threads);
    long end = System.nanoTime() + (long) (warmup * 1e9);
    while (System.nanoTime() < end) {
      a.millis();
      b.millis();
    }
    double[] ta = new double[calls];
    double[] tb = new double[calls];
    double[] ratio = new double[calls];
    for (int i = 0; i < calls; i++) {
      // Alternate which goes first, so neither always runs right after the other's cache traffic.
      if ((i & 1) == 0) {
        ta[i] = a.millis();
        tb[i] = b.millis();
      } else {
        tb[i] = b.millis();
        ta[i] = a.millis();
      }
      ratio[i] = ta[i] / tb[i];
    }
    Arrays.sort(ta);
    Arrays.sort(tb);
    Arrays.sort(ratio);
    System.out.printf(Locale.ROOT, "%s %s %d thread(s), %d pairs: A min %.3f med %.3f ms | B min %.3f med %.3f ms"
        + " | A/B time, paired: median %.3f (quartiles %.3f-%.3f)%n", impl, config, threads, calls, ta[0],
        ta[calls / 2], tb[0], tb[calls / 2], ratio[calls / 2], ratio[calls / 4], ratio[3 * calls / 4]);
  }
}
