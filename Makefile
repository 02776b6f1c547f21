# `make` only wraps the cross-platform entry point `python -m course_utils` (see
# course_utils/authoring/launcher.py); on Windows or any machine without make, run the same commands with
# `python -m course_utils ...`. Everything runs inside .venv, (re)built when pyproject.toml changes:
# learners get the course's own dependencies, `test` and `book` add the authors' tools.

PYTHON ?= python3
# Options for JupyterLab, e.g. make lab LAB="--port 8890 --no-browser" or LAB=--full
LAB ?=
# pytest-xdist workers: auto (one per core, at most 4) or 0 for a single process
WORKERS ?= auto
# One BLAS/OpenMP thread per process: the course's networks are tiny, and on a busy 2-core
# machine two threads per process made some chapters 5-20x slower. The notebooks' outputs are
# the same either way (they are also checked with default threads).
export OMP_NUM_THREADS ?= 1
export WORKERS

.PHONY: lab test book pdf slides student benchmark setup clean

lab:  ## open JupyterLab on the student edition (LAB=--full for the chapters with solutions)
	$(PYTHON) -m course_utils lab $(LAB)

test:  ## unit tests + every notebook in book.toml under strict nbval
	$(PYTHON) -m course_utils test

book:  ## static HTML book under _build/html
	$(PYTHON) -m course_utils book

pdf:  ## the whole course as one PDF, _build/pdf/course.pdf (solutions omitted; needs Chromium and npm)
	$(PYTHON) -m course_utils setup --dev && .venv/bin/python -m course_utils.authoring.pdf

slides:  ## a reveal.js deck per chapter under _build/slides, checked offline in Chromium
	$(PYTHON) -m course_utils setup --dev && .venv/bin/python -m course_utils.authoring.slides --check

student:  ## student edition (no solutions) under _build/student; never overwrites your answers
	$(PYTHON) -m course_utils student

setup:  ## only create .venv with the course (learners) -- `python -m course_utils setup --dev` for authors
	$(PYTHON) -m course_utils setup

benchmark:  ## scratch cells vs PyTorch timings
	$(PYTHON) -m course_utils setup && .venv/bin/python -m course_utils.authoring.benchmark

clean:
	rm -rf _build .pytest_cache course_utils.egg-info
	find . -name __pycache__ -not -path './.venv/*' -prune -exec rm -rf {} +
	find . -name .ipynb_checkpoints -not -path './.venv/*' -prune -exec rm -rf {} +
