"""The drawn diagrams (the gated cells, the encoder-decoder): each builds, carries the notation
card's labels, and its alt text names every gate, state and word it draws."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from course_utils.figures import diagrams, palette  # noqa: E402


def texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts] + [ax.get_title() for ax in fig.axes]


def joined(fig):
    return "\n".join(texts(fig))


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_lstm_diagram_labels_gates_states_and_operations():
    fig = diagrams.draw_lstm_cell()
    labels = texts(fig)
    for gate, activation in (("$f_t$", r"$\sigma$"), ("$i_t$", r"$\sigma$"), ("$g_t$", r"$\tanh$"),
                             ("$o_t$", r"$\sigma$")):
        assert f"{gate}\n{activation}" in labels, gate
    for state in ("$C_{t-1}$", "$C_t$", "$h_{t-1}$", "$h_t$", "$x_t$"):
        assert state in labels, state
    assert labels.count(r"$\odot$") == 3          # f_t ⊙ C_{t-1}, i_t ⊙ g_t, o_t ⊙ tanh(C_t)
    assert labels.count("+") == 1                 # the one addition: the cell update
    title = fig.axes[0].get_title()
    assert r"C_t = f_t \odot C_{t-1} + i_t \odot g_t" in title and r"h_t = o_t \odot \tanh(C_t)" in title


def test_lstm_cell_path_is_highlighted_and_carries_the_gradient_label():
    fig = diagrams.draw_lstm_cell()
    ax = fig.axes[0]
    path = [a for a in ax.get_children() if a.get_gid() == "cell-path"]
    lines = [a for a in path if isinstance(a, matplotlib.lines.Line2D)]
    circles = [a for a in path if isinstance(a, matplotlib.patches.Circle)]
    assert len(lines) == 3 and len(circles) == 2     # C_{t-1} -> ⊙ -> + -> C_t
    red = to_rgba(palette.PATH_COLOR)
    assert all(to_rgba(line.get_color()) == red and line.get_linewidth() >= 2.5 for line in lines)
    assert all(c.get_edgecolor() == red for c in circles)
    other = [a for a in ax.lines if a.get_gid() != "cell-path" and len(a.get_xdata()) == 2]
    assert other and all(line.get_linewidth() < 2.5 for line in other)   # only the cell path is thick
    # the path runs along the top, left to right, from C_{t-1} to C_t
    xs = sorted(x for line in lines for x in line.get_xdata())
    assert xs[0] < circles[0].center[0] < circles[1].center[0] < xs[-1]
    assert r"\partial C_t/\partial C_{t-1} = \mathrm{diag}(f_t)" in joined(fig)


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_diagram_labels_gates_state_and_reset(reset_after):
    fig = diagrams.draw_gru_cell(reset_after=reset_after)
    labels = texts(fig)
    for gate, activation in (("$z_t$", r"$\sigma$"), ("$r_t$", r"$\sigma$"), ("$n_t$", r"$\tanh$")):
        assert f"{gate}\n{activation}" in labels, gate
    for state in ("$h_{t-1}$", "$h_t$", "$x_t$", "1−", r"$1 - z_t$", r"$z_t \odot h_{t-1}$"):
        assert state in labels, state
    assert not any("C_t" in t for t in labels)      # one state only
    assert labels.count(r"$\odot$") == 3           # z ⊙ h, (1 - z) ⊙ n, and the reset
    resets = [a for a in fig.axes[0].patches if a.get_gid() == "reset"]
    assert len(resets) == 1
    title = fig.axes[0].get_title()
    if reset_after:
        assert r"r_t \odot (W_{hn} h_{t-1} + b_{hn})" in title and "torch.nn.GRU" in title
        assert r"$W_{hn} h_{t-1} + b_{hn}$" in labels
        # the reset acts after the product: the W_hn box lies below (before) the reset node
        box = next(t for t in fig.axes[0].texts if t.get_text() == r"$W_{hn} h_{t-1} + b_{hn}$")
        assert box.get_position()[1] < resets[0].center[1]
    else:
        assert r"W_{hn}(r_t \odot h_{t-1})" in title and "Cho et al." in title
        box = next(t for t in fig.axes[0].texts if t.get_text() == r"$W_{hn}(\cdot) + b_{hn}$")
        assert box.get_position()[0] > resets[0].center[0]   # the product comes after the reset


def test_the_two_gru_forms_differ_only_in_the_reset():
    after, before = (set(texts(diagrams.draw_gru_cell(reset_after=flag))) for flag in (True, False))
    for label in ("$z_t$\n$\\sigma$", "$r_t$\n$\\sigma$", "$n_t$\n$\\tanh$", "$W_{in} x_t + b_{in}$"):
        assert label in after and label in before, label
    differ = sorted(after ^ before)
    assert all("W_{hn}" in label for label in differ) and len(differ) == 6   # box, note and title of each


@pytest.mark.parametrize("kind, words", [
    ("lstm", ["forget gate f_t", "input gate i_t", "candidate g_t", "output gate o_t", "C_{t-1}", "h_{t-1}",
              "x_t", "C_t = f_t ⊙ C_{t-1} + i_t ⊙ g_t", "h_t = o_t ⊙ tanh(C_t)", "carries the gradient"]),
    ("gru-reset-after", ["update gate z_t", "reset gate r_t", "candidate n_t", "h_{t-1}", "x_t",
                         "h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}", "r_t ⊙ (W_hn h_{t-1} + b_hn)",
                         "after the product"]),
    ("gru-reset-before", ["update gate z_t", "reset gate r_t", "candidate n_t", "h_{t-1}", "x_t",
                          "h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}", "W_hn (r_t ⊙ h_{t-1}) + b_hn",
                          "before the product"]),
    ("unrolled-rnn", ["h_t", "x_t", "W_x", "W_h", "h_0", "h_1", "h_4", "x_1", "x_4", "the same weights"]),
    ("encoder-decoder", ["le", "chat", "dort", "the cat sleeps", "h_1", "h_3", "context c = h_3", "s_1", "s_3",
                         "<go>", "attention"]),
])
def test_alt_text_names_every_gate_and_state(kind, words):
    text = diagrams.alt_text(kind)
    assert text == diagrams.ALT_TEXT[kind]
    for word in words:
        assert word in text, (kind, word)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="kind"):
        diagrams.alt_text("rnn")
    with pytest.raises((TypeError, ValueError), match="reset_after"):
        diagrams.draw_gru_cell(reset_after="yes")


@pytest.mark.parametrize("call,error,match", [
    (lambda: diagrams.draw_encoder_decoder(source="le chat"), TypeError, "source must be a tuple or list of words"),
    (lambda: diagrams.draw_encoder_decoder(target=("the", 3)), TypeError, "target must be a tuple or list of words"),
    (lambda: diagrams.draw_encoder_decoder(source=()), ValueError, "source is empty"),
    (lambda: diagrams.draw_encoder_decoder(attention="yes"), TypeError, "attention must be True or False"),
    (lambda: diagrams.draw_encoder_decoder(ax="axes"), TypeError, "ax must be a matplotlib Axes or None"),
])
def test_bad_encoder_decoder_arguments_are_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_encoder_decoder_draws_one_box_per_word_and_state():
    fig = diagrams.draw_encoder_decoder(source=("le", "chat"), target=("the", "cat", "sleeps"), attention=False)
    labels = set(texts(fig))
    assert {"le", "chat", "<go>", "the", "cat", "sleeps", "$h_2$", "$s_3$"} <= labels and "attention" not in labels
    assert "attention" in texts(diagrams.draw_encoder_decoder())


def test_draws_into_a_given_axes():
    fig, axes = plt.subplots(1, 3, figsize=(18, 4))
    assert diagrams.draw_gru_cell(True, ax=axes[0]) is fig
    assert diagrams.draw_lstm_cell(ax=axes[1]) is fig
    assert diagrams.draw_encoder_decoder(ax=axes[2]) is fig
    assert "$n_t$\n$\\tanh$" in [t.get_text() for t in axes[0].texts]
    assert "$g_t$\n$\\tanh$" in [t.get_text() for t in axes[1].texts]
    assert "$s_1$" in [t.get_text() for t in axes[2].texts]


def test_chapter_5_gives_each_gru_diagram_its_alt_text_in_the_markdown_before_it():
    import nbformat

    from course_utils.authoring.course import load_course

    course = load_course()
    nb = nbformat.read(course.root / course.chapter("05_gru").notebook, as_version=4)
    for flag, kind in ((False, "gru-reset-before"), (True, "gru-reset-after")):
        index = next(i for i, c in enumerate(nb.cells)
                     if c.cell_type == "code" and f"draw_gru_cell(reset_after={flag})" in c.source)
        before = nb.cells[index - 1]
        assert before.cell_type == "markdown" and diagrams.ALT_TEXT[kind] in before.source, kind
        assert any("image/png" in out.get("data", {}) for out in nb.cells[index].outputs), kind
    first = next(i for i, c in enumerate(nb.cells) if "draw_gru_cell(reset_after=False)" in c.source)
    assert any(c.source.startswith("## 5.1") for c in nb.cells[:first])
    assert not any(c.source.startswith("## 5.2") for c in nb.cells[:first])     # 5.1 introduces reset before


def test_box_and_arrow_draw_in_the_palette():
    fig, ax = plt.subplots()
    diagrams.box(ax, (1, 2), "$h_t$", palette.STATE, width=1.0, height=0.5)
    diagrams.arrow(ax, (0.0, 0.0), (1.0, 0.0), "$W_h$", (0.0, 0.2))
    (patch,) = ax.patches
    assert patch.get_facecolor() == to_rgba(palette.STATE) and patch.get_edgecolor() == to_rgba(palette.LINE)
    assert (patch.get_x(), patch.get_y(), patch.get_width(), patch.get_height()) == (0.5, 1.75, 1.0, 0.5)
    label = next(t for t in ax.texts if t.get_text() == "$W_h$")
    assert label.get_position() == (0.5, 0.2) and to_rgba(label.get_color()) == to_rgba(palette.LABEL)
    (note,) = [t for t in ax.texts if t.get_text() == ""]          # the arrow: an empty annotation
    assert note.xy == (1.0, 0.0) and note.xyann == (0.0, 0.0)


@pytest.mark.parametrize("call,error,match", [
    (lambda ax: diagrams.box("axes", (0, 0), "x", "red"), TypeError, "ax must be a matplotlib Axes"),
    (lambda ax: diagrams.box(ax, (0, 0, 1), "x", "red"), ValueError, r"xy must be a point \(x, y\)"),
    (lambda ax: diagrams.box(ax, (0, float("nan")), "x", "red"), ValueError, "xy"),
    (lambda ax: diagrams.box(ax, (0, 0), 3, "red"), TypeError, "text"),
    (lambda ax: diagrams.box(ax, (0, 0), "x", "red", width=0), ValueError, "width"),
    (lambda ax: diagrams.arrow(ax, (0, 0), "end"), (TypeError, ValueError), "end"),
    (lambda ax: diagrams.arrow(ax, (0, 0), (1, 1), offset=(1,)), ValueError, "offset must be a point"),
    (lambda ax: diagrams.arrow(ax, (0, 0), (1, 1), text=None), TypeError, "text"),
])
def test_bad_box_and_arrow_arguments_are_named(call, error, match):
    _, ax = plt.subplots()
    with pytest.raises(error, match=match):
        call(ax)


@pytest.mark.parametrize("draw", [diagrams.draw_lstm_cell, diagrams.draw_gru_cell])
def test_cell_diagrams_refuse_an_ax_that_is_not_axes(draw):
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes or None"):
        draw(ax="axes")


def test_unrolled_rnn_boxes_take_the_palette_colours():
    ax = diagrams.draw_unrolled_rnn(T=2).axes[0]
    colours = [p.get_facecolor() for p in ax.patches]
    assert colours.count(to_rgba(palette.STATE)) == 3          # h_t folded, h_1, h_2
    assert colours.count(to_rgba(palette.INPUT)) == 3          # x_t folded, x_1, x_2
    assert colours.count(to_rgba(palette.NEUTRAL)) == 1        # h_0


@pytest.mark.parametrize("call,error,match", [
    (lambda: diagrams.draw_unrolled_rnn(T=0), ValueError, "T must be"),
    (lambda: diagrams.draw_unrolled_rnn(T=2.5), TypeError, "T must be"),
    (lambda: diagrams.draw_unrolled_rnn(ax="axes"), TypeError, "ax"),
    (lambda: diagrams.draw_unrolled_rnn(title=3), TypeError, "title"),
])
def test_bad_unrolled_rnn_arguments_are_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize("chapter,call,kind", [("01_vanilla_rnn", "draw_unrolled_rnn(", "unrolled-rnn"),
                                               ("07_language", "draw_encoder_decoder(", "encoder-decoder")])
def test_chapter_gives_its_diagram_alt_text_in_the_markdown_before_it(chapter, call, kind):
    import nbformat

    from course_utils.authoring.course import load_course

    course = load_course()
    nb = nbformat.read(course.root / course.chapter(chapter).notebook, as_version=4)
    index = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and call in c.source)
    before = nb.cells[index - 1]
    assert before.cell_type == "markdown" and diagrams.ALT_TEXT[kind] in before.source
    assert any("image/png" in out.get("data", {}) for out in nb.cells[index].outputs)
