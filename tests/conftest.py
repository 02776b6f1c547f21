"""Helpers shared by several test files."""
import nbclient
import nbformat

from course_utils.authoring.student_edition import WIDGET_CELL_TIMEOUT


def widget_pngs_in_kernel(create: str, move: str) -> list[list[str]]:
    """Run ``create`` (code ending with a widget expression) and then ``move`` (code that changes a
    slider) in a real kernel; return, after each cell, the PNGs shown in the widget's Output area.
    This is what the JupyterLab browser test relies on: the figure is an image that updates."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(create), nbformat.v4.new_code_cell(move)]
    pngs = []

    def snapshot(cell, cell_index, execute_reply):
        for model in client.widget_state.values():
            if model.get("_model_name") == "OutputModel":
                data = [o.get("data", {}) for o in model.get("outputs", [])]
                pngs.append([d["image/png"] for d in data if "image/png" in d])

    # A cell that shows an ipywidget is held by nbclient until its timeout although it has finished
    # (nbclient issue #312): the student edition's limit for such cells, not 120 s, keeps this short.
    client = nbclient.NotebookClient(nb, kernel_name="python3", timeout=WIDGET_CELL_TIMEOUT,
                                     on_cell_executed=snapshot)
    client.execute()
    return pngs
