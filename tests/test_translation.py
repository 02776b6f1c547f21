"""course_utils.learning.translation: the dates task of Chapter 7's Section 7.6."""
import datetime as dt
import re

import pytest
import torch

from course_utils.learning.translation import (
    FIRST_DATE,
    FORMATS,
    LAST_DATE,
    MONTHS,
    SOURCE_VOCAB,
    TARGET_LENGTH,
    TARGET_VOCAB,
    WEEKDAYS,
    DateTranslator,
    decode_targets,
    encode_sources,
    encode_targets,
    exact_match,
    greedy_decode,
    make_dates,
    most_frequent_target,
    teacher_forcing_inputs,
    teacher_forcing_loss,
    train_translator,
    write_date,
)

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def test_same_seed_same_pairs_and_another_seed_other_pairs():
    a, b = make_dates(200, seed=3), make_dates(200, seed=3)
    assert a == b
    assert make_dates(200, seed=4).sources != a.sources


def test_every_target_is_the_iso_date_of_its_source():
    pairs = make_dates(600, seed=0)
    assert set(pairs.formats) == set(FORMATS)          # 600 draws meet all six formats
    for source, target, fmt, date in zip(pairs.sources, pairs.targets, pairs.formats, pairs.dates):
        assert ISO.match(target) and dt.date.fromisoformat(target) == date
        assert FIRST_DATE <= date <= LAST_DATE
        assert source == write_date(date, fmt)
        assert str(date.year)[-2:] in source          # the year is always written
        if fmt.startswith("Tuesday"):
            assert source.startswith(WEEKDAYS[date.weekday()] + ", ")


@pytest.mark.parametrize("fmt, written", [
    ("3 March 1998", "3 March 1998"), ("March 3, 1998", "March 3, 1998"),
    ("Tuesday, March 3, 1998", "Tuesday, March 3, 1998"), ("3 Mar 98", "3 Mar 98"),
    ("03.03.1998", "03.03.1998"), ("3/3/98", "3/3/98"),
])
def test_each_format_writes_its_own_example(fmt, written):
    assert write_date(dt.date(1998, 3, 3), fmt) == written       # 3 March 1998 was a Tuesday


def test_two_digit_years_and_the_us_order():
    assert write_date(dt.date(2049, 12, 31), "3/3/98") == "12/31/49"
    assert write_date(dt.date(1950, 1, 2), "3 Mar 98") == "2 Jan 50"
    assert write_date(dt.date(2005, 11, 4), "03.03.1998") == "04.11.2005"


def test_held_out_set_shares_no_source_with_the_excluded_one():
    train_set = make_dates(500, seed=0, formats=("3/3/98",))
    test_set = make_dates(300, seed=1, formats=("3/3/98",), exclude=train_set.sources)
    assert not set(test_set.sources) & set(train_set.sources)
    assert set(test_set.formats) == {"3/3/98"}


def test_exclude_takes_any_collection_of_strings():
    train_set = make_dates(300, seed=0, formats=("3/3/98",))
    as_tuple = make_dates(200, seed=1, formats=("3/3/98",), exclude=train_set.sources)
    as_set = make_dates(200, seed=1, formats=("3/3/98",), exclude=set(train_set.sources))
    as_iterator = make_dates(200, seed=1, formats=("3/3/98",), exclude=iter(train_set.sources))
    assert as_tuple == as_set == as_iterator


def test_encoding_round_trip_and_left_padding():
    pairs = make_dates(50, seed=2)
    x, y = encode_sources(pairs.sources), encode_targets(pairs.targets)
    assert x.dtype == y.dtype == torch.int64
    assert x.shape == (max(map(len, pairs.sources)), 50) and y.shape == (TARGET_LENGTH, 50)
    assert decode_targets(y) == list(pairs.targets)
    for b, source in enumerate(pairs.sources):
        column = x[:, b]
        pad = len(column) - len(source)
        assert (column[:pad] == 0).all() and (column[pad:] > 0).all()   # padding on the left
        assert "".join(SOURCE_VOCAB.decode(column[pad:])) == source


def test_teacher_forcing_inputs_shift_the_target_by_one():
    y = encode_targets(["1998-03-03", "2049-12-31"])
    y_in = teacher_forcing_inputs(y)
    assert y_in.shape == y.shape
    assert (y_in[0] == TARGET_VOCAB.index["<s>"]).all() and torch.equal(y_in[1:], y[:-1])


def test_the_vocabularies_cover_every_format():
    assert set("".join(MONTHS + WEEKDAYS)) < set(SOURCE_VOCAB.items)
    assert SOURCE_VOCAB.items[0] == "<pad>" and len(TARGET_VOCAB) == 12


@pytest.mark.parametrize("call, words", [
    (lambda: make_dates(0), "n must be a positive integer"),
    (lambda: make_dates(3, seed=-1), "seed must be a non-negative integer"),
    (lambda: make_dates(3, formats="3/3/98"), "formats must be a non-empty tuple"),
    (lambda: make_dates(3, formats=("31/12/1999",)), "formats contains '31/12/1999'"),
    (lambda: make_dates(3, exclude="3/3/98"), "exclude must be a collection"),
    (lambda: make_dates(10, exclude=5), "exclude must be a collection of source strings"),
    (lambda: make_dates(10, exclude=5), "training set's .sources), got int 5"),
    (lambda: make_dates(10, exclude=["3/3/98", 5]), "exclude contains int 5: expected source strings"),
    (lambda: make_dates(10, exclude=[["3/3/98"]]), "exclude contains list ['3/3/98']"),
    (lambda: make_dates(36526, formats=("3/3/98",)), "n=36526 is more than the distinct pairs left"),
    (lambda: write_date(dt.date(2050, 1, 1), "3/3/98"), "date must lie between 1950-01-01 and 2049-12-31"),
    (lambda: write_date("1998-03-03", "3/3/98"), "date must be a datetime.date"),
    (lambda: write_date(dt.datetime(1998, 3, 3), "3/3/98"), "date must be a datetime.date, got datetime"),
    (lambda: teacher_forcing_loss(torch.nn.Linear(2, 2), encode_sources(["3/3/98"]), encode_targets(["1998-03-03"])),
     "model must be a DateTranslator"),
    (lambda: write_date(dt.date(1998, 3, 3), "ISO"), "fmt must be one of"),
    (lambda: encode_sources("3 March 1998"), "sources must be a list or tuple of strings"),
    (lambda: encode_sources([]), "sources is empty"),
    (lambda: encode_sources(["3 March 1998", "3 Mär 98"]), "sources[1] contains 'ä'"),
    (lambda: encode_targets(["1998-3-3"]), "targets[0] = '1998-3-3' has 8 characters"),
    (lambda: decode_targets(torch.full((10, 2), 12)), "ids contains the id 12"),
    (lambda: exact_match(["1998-03-03"], ["1998-03-03", "1998-03-04"]), "predictions has 1 strings"),
    (lambda: most_frequent_target([3]), "targets[0] must be a string"),
    (lambda: DateTranslator(0, 12), "source_vocab_size must be a positive integer"),
    (lambda: DateTranslator(10, 12, hidden_size=2.5), "hidden_size must be an integer"),
])
def test_bad_arguments_are_named(call, words):
    with pytest.raises((TypeError, ValueError)) as info:
        call()
    assert words in str(info.value)


def test_model_checks_its_inputs():
    model = DateTranslator(len(SOURCE_VOCAB), len(TARGET_VOCAB), hidden_size=8)
    x = encode_sources(["3 March 1998", "3/3/98"])
    with pytest.raises(ValueError, match="x has shape"):
        model.encode(x[:, 0])
    with pytest.raises(ValueError, match="x contains the id"):
        model.encode(x + 100)
    with pytest.raises(TypeError, match="x must be a torch.Tensor"):
        model.encode(x.numpy())
    with pytest.raises(ValueError, match="state must be a tensor of shape"):
        model.decode(torch.zeros(1, 2, dtype=torch.int64), torch.zeros(1, 3, 8), torch.zeros(1, 2, 8))
    with pytest.raises(ValueError, match="y_in has 3"):
        model(x, torch.zeros(4, 3, dtype=torch.int64))
    with pytest.raises(TypeError, match="model must be a DateTranslator"):
        greedy_decode(torch.nn.Linear(2, 2), x)
    with pytest.raises(ValueError, match="x has 2 sequences .* but y has 1"):
        train_translator(model, x, encode_targets(["1998-03-03"]), steps=1)


def test_shapes_of_training_and_greedy_decoding():
    torch.manual_seed(0)
    model = DateTranslator(len(SOURCE_VOCAB), len(TARGET_VOCAB), embed_size=4, hidden_size=8)
    pairs = make_dates(5, seed=0)
    x, y = encode_sources(pairs.sources), encode_targets(pairs.targets)
    assert model(x, teacher_forcing_inputs(y)).shape == (TARGET_LENGTH, 5, len(TARGET_VOCAB))
    assert model.encode(x).shape == (1, 5, 8)
    assert teacher_forcing_loss(model, x, y).dim() == 0
    model.train()
    out = greedy_decode(model, x, length=7)
    assert out.shape == (7, 5) and out.dtype == torch.int64
    assert model.training                                   # the mode is restored
    assert all(len(s) == 7 for s in decode_targets(out))


def test_greedy_decoding_feeds_back_its_own_arg_max():
    """Step by step, each column's next character is the arg-max given the ones before it."""
    torch.manual_seed(1)
    model = DateTranslator(len(SOURCE_VOCAB), len(TARGET_VOCAB), hidden_size=8).eval()
    x = encode_sources(list(make_dates(4, seed=1).sources))
    out = greedy_decode(model, x)
    start = torch.full((1, 4), TARGET_VOCAB.index["<s>"])
    with torch.no_grad():                 # teacher forcing on its own output gives the same arg-max
        logits = model(x, torch.cat([start, out[:-1]]))
    assert torch.equal(logits.argmax(-1), out)


def test_a_tiny_training_run_beats_the_most_frequent_target():
    formats = ("03.03.1998",)
    train_set = make_dates(1500, seed=0, formats=formats)
    test_set = make_dates(200, seed=1, formats=formats, exclude=train_set.sources)
    x, y = encode_sources(train_set.sources), encode_targets(train_set.targets)
    torch.manual_seed(0)
    model = DateTranslator(len(SOURCE_VOCAB), len(TARGET_VOCAB), hidden_size=32)
    history = train_translator(model, x, y, steps=120, batch_size=64, lr=2e-2, seed=0)
    assert history.loss[-1] < 0.5 * history.loss[0]
    pred = decode_targets(greedy_decode(model, encode_sources(test_set.sources)))
    baseline = exact_match([most_frequent_target(train_set.targets)] * len(test_set), test_set.targets)
    accuracy = exact_match(pred, test_set.targets)
    assert baseline < 0.02 and accuracy > baseline + 0.3, (accuracy, baseline)
