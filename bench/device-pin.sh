# Sourced by the device scripts: PIN = two CPUs on different cores of one socket of the lent machine
# (the 2-core machine the issues describe), for taskset.
read -r PIN_A PIN_CORE PIN_SOCKET < <(lscpu -p=CPU,CORE,SOCKET | grep -v '^#' | head -1 | tr , ' ')
PIN_B=$(lscpu -p=CPU,CORE,SOCKET | grep -v '^#' \
  | awk -F, -v ca="$PIN_CORE" -v sa="$PIN_SOCKET" '$2!=ca && $3==sa {print $1; exit}')
PIN="$PIN_A,$PIN_B"
echo "pinned to CPUs $PIN"
