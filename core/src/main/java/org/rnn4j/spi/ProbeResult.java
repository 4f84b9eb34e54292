package org.rnn4j.spi;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a backend's probe found: whether it can run here, why (or why not), and facts worth
 * showing ({@code rnn4j info}): vector width, ISA, BLAS vendor, threads, …
 */
public record ProbeResult(boolean available, String reason, Map<String, String> details) {

  public ProbeResult {
    Objects.requireNonNull(reason, "reason");
    details = Map.copyOf(new LinkedHashMap<>(details));
  }

  public static ProbeResult available(String reason, Map<String, String> details) {
    return new ProbeResult(true, reason, details);
  }

  public static ProbeResult unavailable(String reason) {
    return new ProbeResult(false, reason, Map.of());
  }

  public static ProbeResult unavailable(String reason, Map<String, String> details) {
    return new ProbeResult(false, reason, details);
  }
}
