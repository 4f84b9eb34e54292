package org.rnn4j.backend;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.rnn4j.spi.Backend;
import org.rnn4j.spi.BackendProvider;
import org.rnn4j.spi.Kernels;
import org.rnn4j.spi.ProbeResult;

/**
 * Discovers backends with {@link ServiceLoader}, probes each once, and picks one.
 *
 * <p>Selection: {@code -Drnn4j.backend=NAME} forces a backend and fails fast with its probe's
 * reason when it cannot run; {@code -Drnn4j.backend.disable=a,b} removes candidates; otherwise
 * the available backend with the highest priority wins. The automatic choice is made once per
 * registry and logged once at INFO. This is the library's only global mutable state.
 */
public final class BackendRegistry {
  public static final String BACKEND_PROPERTY = "rnn4j.backend";
  public static final String DISABLE_PROPERTY = "rnn4j.backend.disable";

  private static final System.Logger LOG = System.getLogger("org.rnn4j.backend");

  /** One provider and what its probe said. */
  public record Entry(String name, int priority, ProbeResult probe, boolean disabled) {
  }

  private static final class Holder {
    static final BackendRegistry DEFAULT = new BackendRegistry(load(), System.getProperty(BACKEND_PROPERTY),
        System.getProperty(DISABLE_PROPERTY));
  }

  private final List<BackendProvider> providers;
  private final String forced;
  private final Set<String> disabled;
  private final Map<String, ProbeResult> probes = new ConcurrentHashMap<>();
  private final Map<String, Backend> created = new ConcurrentHashMap<>();
  /** One lock per provider: each is probed and created once, and may look up other backends meanwhile. */
  private final Map<String, Object> locks;
  private volatile Selection selection;

  /** The choice and why it was made. */
  public record Selection(Backend backend, String why) {
  }

  /**
   * A registry over the given providers and selection properties (null = not set). Tests use this
   * directly; applications use {@link #getDefault()}.
   */
  public BackendRegistry(List<BackendProvider> providers, String forcedBackend, String disabledList) {
    List<BackendProvider> sorted = new ArrayList<>(providers);
    sorted.sort(Comparator.comparingInt(BackendProvider::priority).reversed()
        .thenComparing(BackendProvider::name));
    Set<String> names = new LinkedHashSet<>();
    for (BackendProvider p : sorted) {
      if (!names.add(p.name())) {
        throw new IllegalStateException("two backend providers are named '" + p.name() + "'");
      }
    }
    this.providers = List.copyOf(sorted);
    this.locks = names.stream().collect(Collectors.toUnmodifiableMap(n -> n, n -> new Object()));
    this.forced = blankToNull(forcedBackend);
    this.disabled = disabledList == null ? Set.of()
        : Arrays.stream(disabledList.split(",")).map(s -> s.trim().toLowerCase(Locale.ROOT))
            .filter(s -> !s.isEmpty()).collect(Collectors.toUnmodifiableSet());
  }

  /** The registry of this JVM: providers on the class path, properties read once. */
  public static BackendRegistry getDefault() {
    return Holder.DEFAULT;
  }

  private static List<BackendProvider> load() {
    List<BackendProvider> out = new ArrayList<>();
    ServiceLoader<BackendProvider> loader = ServiceLoader.load(BackendProvider.class, BackendRegistry.class
        .getClassLoader());
    var it = loader.iterator();
    while (true) {
      try {
        if (!it.hasNext()) {
          break;
        }
        out.add(it.next());
      } catch (ServiceConfigurationError | LinkageError e) {
        LOG.log(Level.WARNING, "rnn4j: skipping a backend provider that failed to load: " + e);
      }
    }
    return out;
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.trim().toLowerCase(Locale.ROOT);
  }

  /** Names of all discovered providers, highest priority first. */
  public List<String> names() {
    return providers.stream().map(BackendProvider::name).toList();
  }

  /** Every provider with its probe result, highest priority first (probing those not yet probed). */
  public List<Entry> entries() {
    List<Entry> out = new ArrayList<>();
    for (BackendProvider p : providers) {
      out.add(new Entry(p.name(), p.priority(), probe(p), disabled.contains(p.name())));
    }
    return out;
  }

  private ProbeResult probe(BackendProvider p) {
    ProbeResult known = probes.get(p.name());
    if (known != null) {
      return known;
    }
    // Not inside probes.computeIfAbsent: a provider may consult the registry about other backends
    // (blas asks for simd's kernels), and a map must not be updated from its own mapping function.
    synchronized (locks.get(p.name())) {
      known = probes.get(p.name());
      if (known == null) {
        known = runProbe(p);
        probes.put(p.name(), known);
      }
      return known;
    }
  }

  private static ProbeResult runProbe(BackendProvider p) {
    try {
      ProbeResult r = p.probe();
      return r != null ? r : ProbeResult.unavailable("probe returned nothing");
    } catch (Throwable t) {
      // A probe must not throw; if one does, the backend is unavailable and the reason says why.
      return ProbeResult.unavailable("probe failed: " + t);
    }
  }

  /**
   * The backend with this name, created once. Fails with a {@link BackendUnavailableException}
   * naming the valid choices for an unknown name, or the probe's reason when it cannot run.
   */
  public Backend get(String name) {
    String key = name.trim().toLowerCase(Locale.ROOT);
    BackendProvider p = providers.stream().filter(x -> x.name().equals(key)).findFirst()
        .orElseThrow(() -> new BackendUnavailableException("unknown backend '" + name + "'; valid names: "
            + String.join(", ", names())));
    Backend existing = created.get(key);
    if (existing != null) {
      return existing;
    }
    ProbeResult r = probe(p);
    if (!r.available()) {
      throw new BackendUnavailableException("backend '" + key + "' is unavailable: " + r.reason());
    }
    synchronized (locks.get(key)) {
      existing = created.get(key);
      if (existing == null) {
        Kernels kernels = p.create();
        existing = new Backend(p.name(), p.priority(), r, kernels);
        created.put(key, existing);
      }
      return existing;
    }
  }

  /** The default backend: forced by property, or the best available. Decided and logged once. */
  public Backend defaultBackend() {
    return selection().backend();
  }

  /** The default backend with the reason it was chosen. */
  public Selection selection() {
    Selection s = selection;
    if (s == null) {
      synchronized (this) {
        s = selection;
        if (s == null) {
          s = choose();
          LOG.log(Level.INFO, "rnn4j backend: " + s.backend().name() + " (" + s.why() + ")");
          selection = s;
        }
      }
    }
    return s;
  }

  private Selection choose() {
    if (forced != null) {
      if (disabled.contains(forced)) {
        throw new BackendUnavailableException("backend '" + forced + "' is both forced by -D" + BACKEND_PROPERTY
            + " and disabled by -D" + DISABLE_PROPERTY);
      }
      Backend b = get(forced);
      return new Selection(b, "forced by -D" + BACKEND_PROPERTY + "=" + forced + "; " + b.probe().reason());
    }
    List<String> skipped = new ArrayList<>();
    for (BackendProvider p : providers) {
      if (disabled.contains(p.name())) {
        skipped.add(p.name() + ": disabled by -D" + DISABLE_PROPERTY);
        continue;
      }
      ProbeResult r = probe(p);
      if (r.available()) {
        Backend b = get(p.name());
        String why = "highest-priority available backend (priority " + p.priority() + "): " + r.reason();
        if (!skipped.isEmpty()) {
          why += "; skipped " + String.join("; ", skipped);
        }
        return new Selection(b, why);
      }
      skipped.add(p.name() + ": " + r.reason());
    }
    throw new BackendUnavailableException("no backend is available: " + String.join("; ", skipped));
  }
}
