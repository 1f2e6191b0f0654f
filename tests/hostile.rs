//! The binary given what a hostile or careless user types: every such input ends with exit
//! code 2 and a first line on stderr naming the option and the problem (never a panic, never
//! a run on a meaningless number), and the reports stay readable whatever names they hold.

mod common;

use std::fmt::Write as _;
use std::path::Path;
use std::process::Output;

use assert_cmd::Command;

fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Runs `cmd`, which must be refused with exit code 2; returns the first line of stderr.
fn refused(cmd: &mut Command) -> String {
    let output = cmd.output().expect("runs");
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    stderr.lines().next().unwrap_or_default().to_string()
}

/// As [`refused`], for the program's own refusals, which are exactly one line.
fn refused_in_one_line(cmd: &mut Command) -> String {
    let output = cmd.output().expect("runs");
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    stderr.trim_end().to_string()
}

/// A run of buy-and-hold on the sample into `out` with `args`.
fn run(out: &Path, args: &[&str]) -> Command {
    let mut cmd = common::backtest();
    cmd.args(["--strategy", "buy-and-hold", "--no-charts", "--out"])
        .arg(out.join("report"))
        .args(args);
    cmd
}

#[test]
fn non_finite_or_meaningless_numeric_options_are_refused_naming_the_option_and_range() {
    // Regression: `--risk-free nan`, `inf` and -1 ran (a Sharpe ratio of 1780 at -1), and so
    // did `--cash 1e308` and any leverage cap.
    let out = tempfile::tempdir().unwrap();
    let cases: &[(&[&str], &str, &str)] = &[
        (
            &["--risk-free", "nan"],
            "--risk-free",
            "greater than -1 and at most 1",
        ),
        (
            &["--risk-free", "inf"],
            "--risk-free",
            "greater than -1 and at most 1",
        ),
        (
            &["--risk-free", "-1"],
            "--risk-free",
            "greater than -1 and at most 1",
        ),
        (
            &["--risk-free=-1.5"],
            "--risk-free",
            "greater than -1 and at most 1",
        ),
        (
            &["--risk-free", "2"],
            "--risk-free",
            "greater than -1 and at most 1",
        ),
        (
            &["--cash", "0"],
            "--cash",
            "greater than 0 and at most 1e12",
        ),
        (
            &["--cash", "1e308"],
            "--cash",
            "greater than 0 and at most 1e12",
        ),
        (
            &["--cash", "nan"],
            "--cash",
            "greater than 0 and at most 1e12",
        ),
        (
            &["--commission-bps", "-1"],
            "--commission-bps",
            "from 0 to below 10000",
        ),
        (
            &["--slippage-bps", "nan"],
            "--slippage-bps",
            "from 0 to below 10000",
        ),
        (
            &["--max-leverage", "0"],
            "--max-leverage",
            "greater than 0 and at most 100",
        ),
        (
            &["--max-leverage", "inf"],
            "--max-leverage",
            "greater than 0 and at most 100",
        ),
        (
            &["--max-leverage", "1000"],
            "--max-leverage",
            "greater than 0 and at most 100",
        ),
    ];
    for (args, option, range) in cases {
        let line = refused(&mut run(out.path(), args));
        assert!(
            line.contains(&format!("'{option} ")) && line.contains("must be a finite number"),
            "{args:?}: {line}"
        );
        assert!(line.contains(range), "{args:?}: {line}");
    }
    assert!(!out.path().join("report").exists(), "nothing was written");
}

/// `robustness` of buy-and-hold on the sample with `args`.
fn robustness(args: &[&str]) -> Command {
    let mut cmd = common::backtest();
    cmd.args(["robustness", "--strategy", "buy-and-hold"])
        .args(args);
    cmd
}

#[test]
fn counts_out_of_range_are_refused_naming_the_option_and_range() {
    let cases: &[(&[&str], &str, &str)] = &[
        (
            &["--bootstrap", "0"],
            "--bootstrap",
            "at least 1 and at most 100000",
        ),
        (
            &["--bootstrap", "-3"],
            "--bootstrap",
            "at least 1 and at most 100000",
        ),
        (
            &["--monte-carlo", "1e9"],
            "--monte-carlo",
            "at least 1 and at most 100000",
        ),
        (
            &["--bootstrap", "10", "--block", "0"],
            "--block",
            "at least 1",
        ),
    ];
    for (args, option, range) in cases {
        let line = refused(&mut robustness(args));
        assert!(
            line.contains(&format!("'{option} ")) && line.contains("must be a whole number"),
            "{args:?}: {line}"
        );
        assert!(line.contains(range), "{args:?}: {line}");
    }
    let line = refused(common::backtest().args([
        "sweep",
        "--strategy",
        "sma-cross",
        "--grid",
        "fast=5,10",
        "--top",
        "0",
    ]));
    assert!(
        line.contains("'--top ") && line.contains("at least 1"),
        "{line}"
    );
}

#[test]
fn costs_of_100_percent_or_more_are_refused() {
    // Regression: `--commission-bps 20000` turned a long-only strategy into a short seller
    // with equity of -1.2e43.
    let out = tempfile::tempdir().unwrap();
    let line = refused(&mut run(out.path(), &["--commission-bps", "20000"]));
    assert!(
        line.contains("'--commission-bps ") && line.contains("below 10000 (100% of traded value)"),
        "{line}"
    );
    let line = refused_in_one_line(&mut run(
        out.path(),
        &["--commission-bps", "6000", "--slippage-bps", "4000"],
    ));
    assert!(
        line.contains("--commission-bps 6000 plus --slippage-bps 4000 is 10000 bps")
            && line.contains("must be below 10000"),
        "{line}"
    );
    assert!(!out.path().join("report").exists(), "nothing was written");
}

#[test]
fn an_error_while_stderr_is_unwritable_still_exits_with_its_code() {
    // Regression: `backtest --strategy nope 2>/dev/full` panicked in `eprintln!`, exit 101.
    let full = Path::new("/dev/full");
    if !full.exists() {
        eprintln!("SKIPPED an_error_while_stderr_is_unwritable: this system has no /dev/full");
        return;
    }
    for args in [
        &["--strategy", "nope"][..],
        &["--strategy", "sma-cross", "--cash", "nan"],
    ] {
        let stderr = std::fs::OpenOptions::new().write(true).open(full).unwrap();
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_backtest"))
            .current_dir(common::root())
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(stderr)
            .status()
            .unwrap();
        assert_eq!(status.code(), Some(2), "{args:?}");
    }
}

/// `compare` with `args` of a committed summary against a copy changed by `change`, which must
/// drift (exit code 1).
fn compare_changed(args: &[&str], change: impl FnOnce(&mut serde_json::Value)) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let source = common::root().join("baselines/sample/buy-and-hold/summary.json");
    let mut summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(source).unwrap()).unwrap();
    let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
    std::fs::write(&a, summary.to_string()).unwrap();
    change(&mut summary);
    std::fs::write(&b, summary.to_string()).unwrap();
    let output = common::backtest()
        .arg("compare")
        .args([&a, &b])
        .args(args)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr_of(&output));
    output
}

#[test]
fn a_table_cell_longer_than_65535_characters_does_not_panic() {
    // Regression: Rust's format widths stop at 65,535, and the terminal table padded with
    // them: a long string in a summary given to `compare` panicked.
    let long = "h".repeat(70_000);
    let output = compare_changed(&[], |summary| summary["fill_hash"] = long.clone().into());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains(&long), "the whole cell is shown");
}

#[test]
fn a_window_name_of_absurd_length_is_refused() {
    // Regression: a 70,000-character `--window` name panicked in the terminal table.
    let out = tempfile::tempdir().unwrap();
    let window = format!("{}=2020-01-01..2020-06-01", "a".repeat(70_000));
    let line = refused(&mut run(out.path(), &["--window", &window]));
    assert!(
        line.contains("'--window ")
            && line.contains("name of 70000 characters is longer than the 64"),
        "{}",
        &line[line.len().saturating_sub(200)..]
    );
}

#[test]
fn a_billion_paths_are_refused_and_the_help_says_the_cap() {
    // Regression: `robustness --bootstrap 1000000000` aborted allocating 160 GB.
    let line = refused(&mut robustness(&["--bootstrap", "1000000000"]));
    assert!(
        line.contains("'--bootstrap ") && line.contains("at least 1 and at most 100000"),
        "{line}"
    );
    let help = common::backtest()
        .args(["robustness", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.matches("at most 100000").count() >= 2, "{help}");
}

#[test]
fn a_thread_count_above_the_cap_is_refused_in_one_line() {
    // Regression: `RAYON_NUM_THREADS=20000` was taken as asked.
    let out = tempfile::tempdir().unwrap();
    for value in ["20000", "many", "-1"] {
        let line = refused_in_one_line(run(out.path(), &[]).env("RAYON_NUM_THREADS", value));
        assert_eq!(
            line,
            format!(
                "error: RAYON_NUM_THREADS must be a whole number of worker threads from 1 to \
                 1024 (0 or unset: one per core), not {value:?}"
            )
        );
    }
    let output = run(out.path(), &[])
        .env("RAYON_NUM_THREADS", "3")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
}

#[test]
fn a_thread_pool_that_cannot_start_is_an_error_not_a_panic() {
    // Regression: rayon built its pool at the first parallel run and panicked (exit 101) when
    // the threads could not start. Here 1000 threads' stacks (2 MiB each) cannot fit under a
    // 400 MB address-space limit.
    let out = tempfile::tempdir().unwrap();
    let output = std::process::Command::new("sh")
        .args(["-c", "ulimit -v 400000 && exec \"$0\" \"$@\""])
        .arg(env!("CARGO_BIN_EXE_backtest"))
        .args(["--strategy", "buy-and-hold", "--no-charts", "--out"])
        .arg(out.path().join("report"))
        .current_dir(common::root())
        .env("RAYON_NUM_THREADS", "1000")
        .env("MALLOC_ARENA_MAX", "1")
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    if output.status.success() {
        eprintln!(
            "SKIPPED a_thread_pool_that_cannot_start: 1000 threads started under a 400 MB \
             address-space limit here, so the failure could not be provoked"
        );
        return;
    }
    // Exit 1 with the error, not 101 (a panic). A worker that had started before the limit was
    // reached may also have printed the standard library's own report of a failed signal stack
    // (the order in which threads take the last memory is the scheduler's), so the error is
    // looked for among the lines rather than as the only one.
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("error: the thread pool: ")),
        "{stderr}"
    );
}

#[test]
fn a_parameter_given_twice_is_refused() {
    // Regression: `--param fast=10 --param fast=20` ran with 20 (sweep refused the same).
    let out = tempfile::tempdir().unwrap();
    let mut cmd = common::backtest();
    cmd.args(["--strategy", "sma-cross", "--no-charts", "--out"])
        .arg(out.path())
        .args(["--param", "fast=10", "--param", "fast=20"]);
    assert_eq!(
        refused_in_one_line(&mut cmd),
        "error: --param \"fast=10\" and --param \"fast=20\" set one parameter twice; give it once"
    );
    let mut robustness = common::backtest();
    robustness.args([
        "robustness",
        "--strategy",
        "sma-cross",
        "--bootstrap",
        "2",
        "--param",
        "fast=10",
        "--param",
        " fast =30",
    ]);
    assert!(refused_in_one_line(&mut robustness).contains("set one parameter twice"));
}

#[test]
fn a_symbol_or_a_window_name_given_twice_is_refused() {
    let out = tempfile::tempdir().unwrap();
    let line = refused_in_one_line(&mut run(out.path(), &["--symbols", "SPY,GLD,spy"]));
    assert_eq!(
        line,
        "error: --symbols names \"SPY\" twice (as \"SPY\" and \"spy\"); name each symbol once"
    );
    let line = refused_in_one_line(&mut run(
        out.path(),
        &["--window", "covid-crash=2020-01-01..2020-06-01"],
    ));
    assert_eq!(
        line,
        "error: --window \"covid-crash\": a built-in window has that name; choose another"
    );
    let w = "mine=2020-01-01..2020-06-01";
    let line = refused_in_one_line(&mut run(out.path(), &["--window", w, "--window", w]));
    assert!(line.contains("\"mine\" is given twice"), "{line}");
}

#[test]
fn an_unknown_tolerance_field_is_refused_listing_the_valid_ones() {
    // Regression: `--tolerance sharp=0.01` was silently ignored.
    let sample = common::root().join("baselines/sample");
    let line = refused_in_one_line(
        common::backtest()
            .arg("compare")
            .args([&sample, &sample])
            .args(["--tolerance", "sharp=0.01"]),
    );
    assert!(
        line.starts_with("error: --tolerance \"sharp\" names no number of the summaries")
            && line.contains(" sharpe, ")
            && line.contains(" max_drawdown, "),
        "{line}"
    );
    let output = common::backtest()
        .arg("compare")
        .args([&sample, &sample])
        .args([
            "--tolerance",
            "sharpe=0.01",
            "--tolerance",
            "metrics.cagr=0",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    // `baseline check` refuses it too, from the committed summaries, before its runs.
    let line = refused_in_one_line(common::backtest().args([
        "baseline",
        "check",
        "--set",
        "sample",
        "--tolerance",
        "sharp=0.01",
    ]));
    assert!(
        line.starts_with("error: --tolerance \"sharp\" names no number"),
        "{line}"
    );
}

/// The number of cells of a Markdown table row: its `|` separators less one, escaped ones
/// (`\|`, after escaped backslashes) not counted.
fn cells(row: &str) -> usize {
    row.replace("\\\\", "")
        .replace("\\|", "")
        .matches('|')
        .count()
        - 1
}

/// Asserts that every row of every Markdown table of `text` has its heading's cells.
fn assert_tables_hold(text: &str) {
    let mut heading = None;
    for line in text.lines() {
        match (line.starts_with('|'), heading) {
            (true, None) => heading = Some(cells(line)),
            (true, Some(n)) => assert_eq!(cells(line), n, "{line}\n{text}"),
            (false, _) => heading = None,
        }
    }
}

#[test]
fn pipes_and_line_breaks_in_names_do_not_break_summary_md() {
    // Regression: a window named `a|b` split its row of the stress table in two cells, and a
    // line break ended the table.
    let out = tempfile::tempdir().unwrap();
    let output = run(
        out.path(),
        &[
            "--window",
            "a|b\\=2020-02-19..2020-03-23",
            "--window",
            "x\ny=2020-02-19..2020-03-23",
        ],
    )
    .output()
    .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    let markdown = std::fs::read_to_string(out.path().join("report/summary.md")).unwrap();
    assert!(markdown.contains("| a\\|b\\\\ |"), "{markdown}");
    assert!(markdown.contains("| x<br>y |"), "{markdown}");
    assert_tables_hold(&markdown);
}

#[test]
fn pipes_and_line_breaks_in_values_do_not_break_compare_markdown() {
    let output = compare_changed(&["--format", "markdown"], |summary| {
        summary["fill_hash"] = "a|b\nc".into();
        summary["options"]["benchmark"] = "S|PY\r\n".into();
    });
    let markdown = String::from_utf8_lossy(&output.stdout);
    assert!(markdown.contains("| a\\|b<br>c |"), "{markdown}");
    assert!(markdown.contains("| S\\|PY<br> |"), "{markdown}");
    assert_tables_hold(&markdown);
}

#[test]
fn a_symbol_holding_a_pipe_stays_one_cell_and_one_holding_a_line_break_is_refused() {
    // Regression: `comparison.md` and the title and list of `summary.md` wrote symbols as they
    // were, so `G|LD` split a cell; a file name with a line break split every one-line message;
    // and `run --all` named a failing strategy twice ("defensive-miners: defensive-miners:").
    let data = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(common::sample()).unwrap() {
        let path = entry.unwrap().path();
        let stem = path
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .replace("GLD", "G|LD");
        if path.extension().is_some_and(|e| e == "csv") {
            std::fs::copy(&path, data.path().join(format!("{stem}.csv"))).unwrap();
        }
    }
    let out = tempfile::tempdir().unwrap();
    let weights = out.path().join("weights.csv");
    std::fs::write(&weights, "date,symbol,weight\n2000-01-03,G|LD,1\n").unwrap();
    let mut all = common::backtest();
    all.args([
        "run",
        "--all",
        "--no-charts",
        "--param",
        "metal=G|LD",
        "--param",
        "weights=SPY:0.6,G|LD:0.4",
        "--param",
    ])
    .arg(format!("file={}", weights.display()))
    .arg("--data")
    .arg(data.path())
    .arg("--out")
    .arg(out.path().join("all"));
    let output = all.output().unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    let comparison = std::fs::read_to_string(out.path().join("all/comparison.md")).unwrap();
    assert!(comparison.contains("| GDX, G\\|LD |"), "{comparison}");
    assert_tables_hold(&comparison);
    let summary =
        std::fs::read_to_string(out.path().join("all/miners-vs-metal/summary.md")).unwrap();
    assert!(
        summary.starts_with("# miners-vs-metal on GDX, G\\|LD vs"),
        "{summary}"
    );
    assert_tables_hold(&summary);
    std::fs::remove_file(data.path().join("SPY.csv")).unwrap();
    let line = refused_in_one_line(&mut all);
    assert!(line.contains("symbol SPY is not in the dataset"), "{line}");
    assert_eq!(
        line.matches("defensive-miners:").count(),
        1,
        "named once: {line}"
    );
    std::fs::write(data.path().join("S\nPY.csv"), "Date,Close\n").unwrap();
    let line = refused_in_one_line(&mut all);
    assert!(
        line.ends_with("which no symbol may: rename the file"),
        "{line}"
    );
}

/// A dataset of one symbol, `UP`, whose price rises 50% every day for three weeks.
fn soaring(dir: &Path) {
    let mut csv = String::from("Date,Open,High,Low,Close\n");
    let mut price = 1.0_f64;
    for day in 4..=22 {
        let date = chrono::NaiveDate::from_ymd_opt(2021, 1, day).unwrap();
        if chrono::Datelike::weekday(&date).number_from_monday() <= 5 {
            let (high, close) = (price * 1.5, price * 1.4);
            let _ = writeln!(csv, "{date},{price},{high},{price},{close}");
            price *= 1.5;
        }
    }
    std::fs::write(dir.join("UP.csv"), csv).unwrap();
}

#[test]
fn a_huge_cagr_prints_in_exponent_form_and_no_drawdown_is_not_unrecovered() {
    // Regression: a CAGR of 10^45 % printed all its 46 digits and widened the table, and an
    // equity that never fell read "not recovered".
    let dir = tempfile::tempdir().unwrap();
    soaring(dir.path());
    let out = dir.path().join("report");
    let mut cmd = common::backtest();
    cmd.args(["--strategy", "buy-and-hold", "--no-charts", "--data"])
        .arg(dir.path())
        .arg("--out")
        .arg(&out);
    let stdout = common::quiet_stdout(&mut cmd);
    let line = |label: &str| {
        stdout
            .lines()
            .find(|l| l.trim_start().starts_with(label))
            .unwrap_or_else(|| panic!("{label} in {stdout}"))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(
        line("CAGR (252-day"),
        "CAGR (252-day years) 6.850e45% 2.371e46%"
    );
    assert_eq!(line("recovery"), "recovery no drawdown no drawdown");
    let heading = stdout
        .lines()
        .find(|l| l.ends_with("benchmark (UP)"))
        .unwrap();
    assert!(
        heading.len() < 60,
        "the table is as narrow as usual: {stdout}"
    );
}
