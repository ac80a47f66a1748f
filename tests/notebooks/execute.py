"""Runs every notebook in notebooks/ top to bottom, headless, as Jupyter would (nbclient and
an ipykernel), against one data folder, and fails if any cell raises.

Usage:
    FACESIGN_DATA=DIR python3 tests/notebooks/execute.py [--keep OUT] [NOTEBOOK ...]

DIR holds dataset/ (an export), results/ (scores/ and findings/) and, optionally,
corpus/labels.csv; it reaches each notebook's DATA_DIR through the FACESIGN_DATA variable.
--data DIR may be given instead of the variable. --keep OUT writes the executed notebooks,
outputs and plots included, to OUT for a look. Notebooks run with notebooks/ as the working
directory, so a relative DIR is resolved here first. Prints one line per notebook and then
`notebooks: N passed, M failed`; exits non-zero on any failure, naming the failing cell, its
source and the error.
"""
import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def failing_cell(nb):
    """The first executed cell with an error output: (index, cell, output)."""
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return index, cell, output
    return None, None, None


def report_failure(path, nb, error):
    index, cell, output = failing_cell(nb)
    print(f"FAIL {path.name}", flush=True)
    if cell is not None:
        code_index = sum(1 for c in nb.cells[:index] if c.cell_type == "code") + 1
        print(f"  in code cell {code_index} (cell {index + 1} of {len(nb.cells)}):")
        print("    " + "\n    ".join(cell.source.splitlines()))
        print("  error:")
        traceback = ANSI.sub("", "\n".join(output.get("traceback", [])))
        print("    " + "\n    ".join((traceback or f"{output.get('ename')}: {output.get('evalue')}").splitlines()))
    else:
        print("  " + "\n  ".join(ANSI.sub("", str(error)).splitlines()[-30:]))


def run(path, keep):
    nb = nbformat.read(path, as_version=4)
    kernel = nb.metadata.get("kernelspec", {}).get("name", "python3")
    client = NotebookClient(nb, timeout=600, kernel_name=kernel, allow_errors=False,
                            resources={"metadata": {"path": str(path.parent)}})
    started = time.monotonic()
    error = None
    # The kernel's own log (not the cells' output, which comes back in the notebook) goes to a
    # file, shown only if the kernel dies.
    with tempfile.TemporaryFile("w+") as kernel_log:
        try:
            client.execute(stderr=kernel_log)
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as e:
            error = e
            if isinstance(e, DeadKernelError):
                kernel_log.seek(0)
                print(kernel_log.read()[-4000:], file=sys.stderr)
    seconds = time.monotonic() - started
    if keep:
        nbformat.write(nb, keep / path.name)
    if error is None:
        print(f"ok   {path.name} ({seconds:.1f} s)", flush=True)
        return True
    report_failure(path, nb, error)
    return False


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to run (default: notebooks/*.ipynb)")
    parser.add_argument("--data", type=Path, help="the data folder (default: $FACESIGN_DATA)")
    parser.add_argument("--keep", type=Path, help="write the executed notebooks here")
    args = parser.parse_args()

    data = args.data or (Path(os.environ["FACESIGN_DATA"]) if os.environ.get("FACESIGN_DATA") else None)
    if data is None:
        sys.exit("error: give the data folder with FACESIGN_DATA=DIR or --data DIR")
    if not (data / "dataset").is_dir():
        sys.exit(f"error: {data}/dataset/ not found (an export from facesign-analytics export)")
    os.environ["FACESIGN_DATA"] = str(data.resolve())  # the kernels inherit it
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")

    paths = [p.resolve() for p in args.notebooks] or sorted(NOTEBOOKS.glob("*.ipynb"))
    if not paths:
        sys.exit(f"error: no notebooks in {NOTEBOOKS}")
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)

    print(f"running {len(paths)} notebooks against {os.environ['FACESIGN_DATA']}", flush=True)
    started = time.monotonic()
    passed = sum(run(p, args.keep) for p in paths)
    failed = len(paths) - passed
    print(f"({time.monotonic() - started:.1f} s)")
    print(f"notebooks: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
