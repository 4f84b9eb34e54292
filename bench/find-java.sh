# Sourced by the bench scripts: sets J to the first java >= 21 (JAVA_HOME, Temurin 25, any JDK 21+
# under /usr/lib/jvm, then PATH), or exits naming the script that needed it.
J=""
for c in "${JAVA_HOME:-}/bin/java" /usr/lib/jvm/temurin-25*/bin/java /usr/lib/jvm/*-2[1-9]*/bin/java java; do
  if [[ -x "$c" ]] || command -v "$c" >/dev/null 2>&1; then
    v=$("$c" -XshowSettings:properties -version 2>&1 | sed -n 's/.*java.specification.version = //p')
    if [[ -n "$v" && "$v" -ge 21 ]]; then J="$c"; break; fi
  fi
done
[[ -n "$J" ]] || { echo "$(basename "$0"): no JDK >= 21 found" >&2; exit 1; }
