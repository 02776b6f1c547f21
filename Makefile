# Two commands for learners (`make lab`, `make test`); the rest for authors and instructors.
# Everything runs inside .venv, which is (re)built whenever pyproject.toml changes.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NBVAL  := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

.PHONY: lab test book student benchmark clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --editable '.[dev]'
	@touch $(STAMP)

lab: $(STAMP)  ## open JupyterLab on the course notebooks
	$(BIN)/jupyter lab notebooks/

# pytest-xdist runs WORKERS pytest processes (auto: one per CPU core, at most 4). --dist loadfile
# hands out whole files: a notebook's cells share one kernel and run in order on one worker, and a
# test file's module fixtures are built once. WORKERS=0 runs everything in one process.
WORKERS ?= auto
# One BLAS/OpenMP thread per process: the course's networks are tiny, and on a busy 2-core
# machine two threads per process made some chapters 5-20x slower. The notebooks' outputs are
# the same either way (they are also checked with default threads).
test: export OMP_NUM_THREADS ?= 1
test: $(STAMP)  ## unit tests + every notebook in book.toml under strict nbval
	$(BIN)/python -m course_utils.course --check
	$(BIN)/python -m pytest tests $$($(BIN)/python -m course_utils.course --list-notebooks) $(NBVAL) \
		-n $(WORKERS) --maxprocesses 4 --dist loadfile --durations 15

book: $(STAMP)  ## static HTML book under _build/html
	$(BIN)/python -m course_utils.book build

student: $(STAMP)  ## student edition (no solutions) under _build/student
	$(BIN)/python -m course_utils.workshop student

benchmark: $(STAMP)  ## scratch cells vs PyTorch timings
	$(BIN)/python -m course_utils.benchmark

clean:
	rm -rf _build .pytest_cache course_utils.egg-info
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +
	find . -name .ipynb_checkpoints -not -path './$(VENV)/*' -prune -exec rm -rf {} +
