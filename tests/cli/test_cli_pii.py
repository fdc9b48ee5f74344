"""`simulacra pii`: personal data replaced in a file; every bad input is exit 2, no file."""

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from tests.cli._run import run


@pytest.fixture()
def people(tmp_path: Path) -> Path:
    path = tmp_path / "people.csv"
    pd.DataFrame({
        "patient_id": [101, 102, 103, 101, 104, 105],
        "email": ["ann.lee@mail.com", "bo.chan@web.org", "cy.diaz@mail.com",
                  "ann.lee@mail.com", "di.eng@corp.net", "ed.fox@web.org"],
        "age": [34, 51, 27, 34, 45, 62],
    }).to_csv(path, index=False)
    return path


@pytest.fixture()
def key(tmp_path: Path) -> Path:
    path = tmp_path / "secret"
    path.write_bytes(bytes(range(32)))
    return path


def test_fake_replaces_detected_emails_and_keeps_the_rest(tmp_path, people, capsys,
                                                           monkeypatch) -> None:
    out = tmp_path / "clean.csv"
    code, stdout, err = run(["pii", str(people), "-o", str(out), "--seed", "1", "--json"],
                            capsys, monkeypatch)
    assert code == 0, err
    summary = json.loads(stdout)
    assert [c["name"] for c in summary["columns"]] == ["email"]
    real, clean = pd.read_csv(people), pd.read_csv(out)
    assert not set(clean["email"]) & set(real["email"])
    assert clean["email"].str.contains("@").all()
    assert clean["email"][0] == clean["email"][3]  # one person stays one person
    pd.testing.assert_series_equal(clean["age"], real["age"])


def test_the_columns_left_as_they_were_keep_their_text(tmp_path, capsys, monkeypatch) -> None:
    data, out = tmp_path / "d.csv", tmp_path / "clean.csv"
    data.write_text("email,fee,paid\nann.lee@mail.com,12.50,true\nbo.chan@web.org,3.00,false\n"
                    "cy.diaz@mail.com,7.25,true\n", encoding="utf-8")
    code, _, err = run(["pii", str(data), "-o", str(out), "-q"], capsys, monkeypatch)
    assert code == 0, err
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [line.split(",", 1)[1] for line in lines] == ["fee,paid", "12.50,true", "3.00,false",
                                                         "7.25,true"]
    # SAS's missing marker in a column of numbers stays as written
    data.write_text("email,dose\nann.lee@mail.com,.\nbo.chan@web.org,3\ncy.diaz@mail.com,4\n"
                    "di.eng@corp.net,.\n", encoding="utf-8")
    code, _, err = run(["pii", str(data), "-o", str(out), "-q"], capsys, monkeypatch)
    assert code == 0, err
    rows = [line.split(",") for line in out.read_text(encoding="utf-8").splitlines()[1:]]
    assert [r[1] for r in rows] == [".", "3", "4", "."]


def test_hash_with_a_key_gives_the_same_pseudonyms_in_two_files(tmp_path, people, key, capsys,
                                                                monkeypatch) -> None:
    outs = []
    for name in ("a.csv", "b.csv"):
        out = tmp_path / name
        code, _, err = run(["pii", str(people), "-o", str(out), "--method", "hash",
                            "--key-file", str(key), "--column", "patient_id", "-q"],
                           capsys, monkeypatch)
        assert code == 0, err
        outs.append(pd.read_csv(out))
    pd.testing.assert_frame_equal(outs[0], outs[1])
    assert not set(outs[0]["patient_id"]) & set(pd.read_csv(people)["patient_id"])
    assert outs[0]["patient_id"].nunique() == 5
    # the key's fingerprint shows, so that a run with another key is seen to differ
    code, stdout, err = run(["pii", str(people), "-o", str(tmp_path / "c.csv"), "-m", "hash",
                             "--key-file", str(key), "--json"], capsys, monkeypatch)
    assert code == 0, err
    assert json.loads(stdout)["key_id"] == "828d57d0"  # HMAC(bytes(range(32)), "simulacra-key-id")


def test_mask_keeps_the_shape(tmp_path, people, capsys, monkeypatch) -> None:
    out = tmp_path / "masked.csv"
    code, _, err = run(["pii", str(people), "-o", str(out), "-m", "mask", "-q"],
                       capsys, monkeypatch)
    assert code == 0, err
    masked = pd.read_csv(out)["email"]
    assert (masked.str.len() == pd.read_csv(people)["email"].str.len()).all()
    assert masked.str.contains(r"\*").all()


@pytest.mark.parametrize(("extra", "words"), [
    (["--method", "scramble"], "scramble"),
    (["--method", "hash"], "key"),
    (["--method", "hash", "--key-file", "MISSING"], "missing-key"),
    (["--method", "hash", "--key-file", "SHORT"], "16"),
    (["--column", "nosuch"], "nosuch"),
])
def test_bad_inputs_exit_2_with_one_paragraph_and_no_file(tmp_path, people, capsys, monkeypatch,
                                                          extra, words) -> None:
    short = tmp_path / "short"
    short.write_bytes(b"tiny")
    extra = [str(tmp_path / "missing-key") if x == "MISSING" else str(short) if x == "SHORT"
             else x for x in extra]
    out = tmp_path / "clean.csv"
    code, _, err = run(["pii", str(people), "-o", str(out), *extra], capsys, monkeypatch)
    assert code == 2
    assert err.startswith("Error: ") and "Traceback" not in err and err.count("\n") == 1
    assert words in err
    assert not out.exists()


@pytest.mark.parametrize(("extra", "told"), [
    (["--column", "nosuch"], r"people\.csv: no column 'nosuch' \(named by --column\)"),
    (["--keep", "nosuch"], r"people\.csv: no column 'nosuch' \(named by --keep\)"),
    (["--column", "age", "--keep", "age"], r"people\.csv: .*'age'.*\(--column\).*\(--keep\)"),
    (["--column", "paid_at"], r"people\.csv: column 'paid_at' holds dates.*--method hash"),
    (["--column", "weight"], r"people\.csv: column 'weight' holds float64.*--method hash or "
                             r"--method mask"),
    (["--method", "hash"], r"--method hash needs a secret key.*--key-file"),
    (["--method", "scramble"], r"--method scramble: choose one of fake, hash, mask"),
    # every detected column kept: not "none was detected"
    (["--keep", "email"], r"people\.csv: every column of personal data found \(email\) is "
                          r"kept by --keep"),
])
def test_errors_name_the_file_and_the_options_of_the_command(tmp_path, people, capsys,
                                                             monkeypatch, extra, told) -> None:
    frame = pd.read_csv(people).assign(weight=[61.5, 70.2, 80.0, 61.5, 55.1, 90.3],
                                       paid_at=[f"2024-01-0{i}" for i in range(1, 7)])
    frame.to_csv(people, index=False)
    out = tmp_path / "clean.csv"
    code, _, err = run(["pii", str(people), "-o", str(out), *extra], capsys, monkeypatch)
    assert code == 2 and not out.exists()
    assert re.search(told, err), err
    assert "replace_pii" not in err and "method='" not in err and "keep=[" not in err
    assert "no column of personal data was" not in err


def test_a_table_without_personal_data_is_an_error_not_a_silent_copy(tmp_path, capsys,
                                                                     monkeypatch) -> None:
    data = tmp_path / "plain.csv"
    pd.DataFrame({"x": [1.5, 2.5, 3.5], "y": ["a", "b", "a"]}).to_csv(data, index=False)
    out = tmp_path / "clean.csv"
    code, _, err = run(["pii", str(data), "-o", str(out)], capsys, monkeypatch)
    assert code == 2 and "--column" in err and not out.exists()


def test_missing_input_file(tmp_path, capsys, monkeypatch) -> None:
    code, _, err = run(["pii", str(tmp_path / "nope.csv"), "-o", str(tmp_path / "o.csv")],
                       capsys, monkeypatch)
    assert code == 2 and "nope.csv" in err


def test_number_columns_come_back_byte_for_byte(tmp_path, capsys, monkeypatch) -> None:
    # the text format of a number column is learned from its first rows; later rows with
    # more decimals (and floats pandas would print shorter) must not be rewritten
    data, out = tmp_path / "d.csv", tmp_path / "clean.csv"
    lines = ["email,price,qty,ratio"]
    for i in range(1500):
        price = f"{10 + i % 50}.{i % 10}" if i < 1200 else f"{10 + i % 50}.{i % 100:02d}"
        qty = "3" if i < 1200 else "2.5"
        ratio = "6.699999999999999" if i % 7 == 0 else ("" if i % 11 == 0 else "0.5")
        lines.append(f"user{i}@example.com,{price},{qty},{ratio}")
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for method in ("fake", "mask"):
        code, _, err = run(["pii", str(data), "-o", str(out), "-m", method, "-q"], capsys,
                           monkeypatch)
        assert code == 0, err
        written = out.read_text(encoding="utf-8").splitlines()
        assert [w.split(",", 1)[1] for w in written] == [x.split(",", 1)[1] for x in lines]
        assert not {w.split(",")[0] for w in written[1:]} & {x.split(",")[0] for x in lines}


def test_the_input_file_is_never_the_output(tmp_path, people, capsys, monkeypatch) -> None:
    before = people.read_bytes()
    for target in (people, tmp_path / "." / "people.csv"):
        code, _, err = run(["pii", str(people), "-o", str(target), "-m", "mask", "-q"], capsys,
                           monkeypatch)
        assert code == 2 and "the output is the input file" in err and "people_clean.csv" in err
        assert people.read_bytes() == before


def test_keep_leaves_a_detected_column_as_it_is(tmp_path, capsys, monkeypatch) -> None:
    # short catalogue numbers detected as a code cannot all get distinct fakes: the error
    # names the file, the column and the values, and --keep is the way out
    data, out = tmp_path / "art.csv", tmp_path / "clean.csv"
    titles = ([f"{chr(65 + i % 26)}{i:03d}{chr(90 - i % 26)}" for i in range(60)]
              + [f"#{i}" for i in range(10)])
    frame = pd.DataFrame({"title": titles, "email": [f"p{i}@mail.com" for i in range(70)]})
    frame.to_csv(data, index=False)
    code, _, err = run(["pii", str(data), "-o", str(out), "-q"], capsys, monkeypatch)
    assert code == 2 and not out.exists()
    assert "art.csv" in err and "'title'" in err and "'#1'" in err and "--keep" in err
    code, stdout, err = run(["pii", str(data), "-o", str(out), "--keep", "title", "--json"],
                            capsys, monkeypatch)
    assert code == 0, err
    assert [c["name"] for c in json.loads(stdout)["columns"]] == ["email"]
    clean = pd.read_csv(out)
    assert clean["title"].tolist() == titles
    assert not set(clean["email"]) & set(frame["email"])
    code, _, err = run(["pii", str(data), "-o", str(out), "--keep", "titel"], capsys,
                       monkeypatch)
    assert code == 2 and "'titel'" in err


def test_a_csv_written_as_parquet_keeps_its_number_types(tmp_path, people, capsys,
                                                          monkeypatch) -> None:
    out = tmp_path / "clean.parquet"
    code, _, err = run(["pii", str(people), "-o", str(out), "-q"], capsys, monkeypatch)
    assert code == 0, err
    clean = pd.read_parquet(out)
    assert clean["age"].dtype == "int64" and clean["age"].tolist() == [34, 51, 27, 34, 45, 62]


def test_free_text_loses_the_rows_replaced_values_and_says_what_it_did(tmp_path, capsys,
                                                                       monkeypatch) -> None:
    data, out = tmp_path / "notes.csv", tmp_path / "clean.csv"
    emails = [f"person{i}.name@mail.com" for i in range(30)]
    notes = [f"Wrote to {e} about the order, she said thanks and paid {i}.50 dollars" for i, e
             in enumerate(emails)]
    notes[3] = "NA"  # a missing marker stays as written
    pd.DataFrame({"email": emails, "notes": notes}).to_csv(data, index=False)
    code, stdout, err = run(["pii", str(data), "-o", str(out), "-m", "mask", "--json"], capsys,
                            monkeypatch)
    assert code == 0, err
    text = json.loads(stdout)["text_columns"]
    assert text == [{"name": "notes", "n_values": 29, "n_changed": 29, "from_row": 29,
                     "by_pattern": {"email": 0, "iban": 0, "credit_card": 0, "phone": 0}}]
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[1] == ('p***********@****.com,"Wrote to p***********@****.com about the '
                        'order, she said thanks and paid 0.50 dollars"')
    assert lines[4].endswith(",NA")
    code, _, err = run(["pii", str(data), "-o", str(out), "-m", "mask"], capsys, monkeypatch)
    assert "notes  29 of 29 cells changed" in err
    assert "is NOT found" in err
