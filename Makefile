# Two set-up commands for a fresh machine (see README): `make run` and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= python3
# Debian packages: CJK fonts for charts and rendered samples, Chromium (report-page check, browser-laid-out
# samples) and LibreOffice Writer (office-laid-out samples).
SYSTEM_PACKAGES := fonts-noto-cjk fonts-wqy-microhei chromium libreoffice-writer-nogui

.PHONY: run test lint install system clean

## Debian packages the project needs (installed when running as root, listed otherwise).
system:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else \
	  echo "missing Debian packages:$$missing — run: sudo apt-get install$$missing" >&2; exit 1; \
	fi

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: system $(BIN)/.installed

## The main job on the embedded default: the bundled sample reports (samples/registry.toml) through the
## nightly flow into data/lake and data/juesuan.duckdb, stewards' mail to data/outbox.
run: install
	$(BIN)/juesuan run

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy juesuan extract transform warehouse flows expectations samples

## Lint, type-check, then the whole test suite with the coverage floor, on two worker processes.
test: install lint
	$(BIN)/pytest -n 2 --cov --cov-report=term

clean:
	rm -rf data .pytest_cache .ruff_cache .mypy_cache .coverage
