//! The per-symbol tables of `dataset.toml` (`[units]`, `[date_formats]`, `[timezones]`), a
//! manifest holding nothing else, and the warning about London and Johannesburg listings
//! without a unit. Each test writes a small dataset in a temporary directory.

mod common;

use std::path::{Path, PathBuf};

use backtest::Date;
use backtest::data::{Dataset, LoadOptions, Manifest};
use backtest::run::{RunRequest, execute};

/// A London listing's prices in pence, as most vendors write them.
const RIO_PENCE: &str = "Date,Open,High,Low,Close,Volume
2024-01-02,5841.0,5880.0,5790.0,5812.0,2104512
2024-01-03,5790.0,5802.0,5690.0,5712.0,2659870
2024-01-04,5712.0,5760.0,5701.0,5744.0,1987455
";

/// A listing in dollars, ISO dates.
const GLD: &str = "Date,Open,High,Low,Close,Volume
2024-01-02,191.26,191.83,190.34,190.86,8245386
2024-01-03,190.09,190.78,189.41,189.91,7521340
2024-01-04,189.73,190.27,189.08,189.53,6302109
";

/// A temporary dataset: `files` as (file name, contents), and `manifest` as its
/// `dataset.toml` unless empty.
fn dataset(files: &[(&str, &str)], manifest: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    if !manifest.is_empty() {
        std::fs::write(dir.path().join("dataset.toml"), manifest).unwrap();
    }
    dir
}

fn open(dir: &Path) -> Dataset {
    Dataset::open(&[dir.to_path_buf()]).unwrap()
}

fn day(text: &str) -> Date {
    text.parse().unwrap()
}

/// The summary of buy and hold on every symbol of `dir`.
fn summary_of(dir: &Path) -> backtest::report::summary::Summary {
    execute(&RunRequest::new("buy-and-hold", dir.to_path_buf()))
        .unwrap()
        .summary
}

/// `backtest --strategy buy-and-hold` on `dir`, into a report directory inside it: its exit
/// status, standard output and standard error, and the summary it wrote (null if none).
fn run_binary(dir: &Path, extra: &[&str]) -> (bool, String, String, serde_json::Value) {
    let out = dir.join("report");
    let output = common::backtest()
        .args(["--strategy", "buy-and-hold", "--no-charts", "--data"])
        .arg(dir)
        .arg("--out")
        .arg(&out)
        .args(extra)
        .output()
        .unwrap();
    let summary = std::fs::read(out.join("summary.json"))
        .map_or(serde_json::Value::Null, |bytes| {
            serde_json::from_slice(&bytes).unwrap()
        });
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        summary,
    )
}

#[test]
fn a_manifest_of_units_alone_with_quoted_keys_divides_by_100() {
    let dir = dataset(
        &[("RIO.L.csv", RIO_PENCE), ("GLD.csv", GLD)],
        "[units]\n\"RIO.L\" = \"pence\"\n",
    );
    let manifest = Manifest::read(dir.path()).unwrap().unwrap();
    let name = dir.path().file_name().unwrap().to_string_lossy();
    assert_eq!(manifest.name, name, "the name defaults to the directory's");
    assert!(!manifest.synthetic);
    assert!(manifest.description.is_empty() && manifest.symbols.is_empty());
    let dataset = open(dir.path());
    assert_eq!(dataset.price_unit("rio.l"), Some("pence"));
    let (rio, _) = dataset.load("RIO.L", &LoadOptions::default()).unwrap();
    assert_eq!(rio.close, [58.12, 57.12, 57.44]);
    assert_eq!((rio.open[0], rio.high[0], rio.low[0]), (58.41, 58.8, 57.9));
    assert_eq!(rio.volume.as_ref().unwrap()[0], 2_104_512.0, "volumes stay");
    let (gld, _) = dataset.load("GLD", &LoadOptions::default()).unwrap();
    assert_eq!(
        gld.close[0], 190.86,
        "a symbol without an entry is as written"
    );
    let (ok, _, stderr, summary) = run_binary(dir.path(), &[]);
    assert!(ok, "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    assert_eq!(
        summary["dataset"]["units"],
        serde_json::json!({"RIO.L": "pence"})
    );
    assert_eq!(summary["dataset"]["name"], serde_json::json!(name));
}

#[test]
fn gbp_is_pounds_and_gbp_with_a_small_p_is_pence() {
    for (unit, close, name) in [
        ("GBP", 5812.0, "currency"),
        ("pounds", 5812.0, "currency"),
        ("GBp", 58.12, "pence"),
        ("GBX", 58.12, "pence"),
    ] {
        let dir = dataset(
            &[("RIO.L.csv", RIO_PENCE)],
            &format!("[units]\n\"RIO.L\" = \"{unit}\"\n"),
        );
        let dataset = open(dir.path());
        let (rio, _) = dataset.load("RIO.L", &LoadOptions::default()).unwrap();
        assert_eq!(rio.close[0], close, "{unit}");
        assert_eq!(dataset.price_unit("RIO.L"), Some(name), "{unit}");
    }
}

#[test]
fn an_unquoted_dotted_symbol_is_refused_saying_to_quote_it() {
    let dir = dataset(&[("RIO.L.csv", RIO_PENCE)], "[units]\nRIO.L = \"pence\"\n");
    let error = Dataset::open(&[dir.path().to_path_buf()]).unwrap_err();
    assert_eq!(error.exit_code(), 2);
    assert_eq!(
        error.to_string(),
        format!(
            "{}:2: invalid manifest: [units] reads RIO.L as the table RIO holding L: write a \
             symbol with a dot in quotes, \"RIO.L\" = ...",
            dir.path().join("dataset.toml").display()
        )
    );
}

#[test]
fn london_and_johannesburg_listings_without_a_unit_are_warned_about() {
    let dir = dataset(
        &[
            ("RIO.L.csv", RIO_PENCE),
            ("npn.jo.csv", RIO_PENCE),
            ("GLD.csv", GLD),
        ],
        "",
    );
    let london = "RIO.L: a London listing usually quoted in pence is read as pounds: add \
                  \"RIO.L\" = \"pence\" under [units] in the dataset.toml of its folder (or \
                  \"RIO.L\" = \"pounds\" where the file is in pounds)";
    let johannesburg = "npn.jo: a Johannesburg listing usually quoted in cents is read as \
                        rand: add \"npn.jo\" = \"cents\" under [units] in the dataset.toml of \
                        its folder (or \"npn.jo\" = \"rand\" where the file is in rand)";
    let (ok, stdout, stderr, summary) = run_binary(dir.path(), &[]);
    assert!(ok, "{stderr}");
    assert_eq!(
        stderr,
        format!("warning: {london}\nwarning: {johannesburg}\n"),
        "the run's warnings, in the order of its symbols (GLD, RIO.L, npn.jo)"
    );
    assert_eq!(
        summary["dataset"]["warnings"],
        serde_json::json!([london, johannesburg])
    );
    let notes = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("data notes"))
        .unwrap_or_default();
    assert!(
        notes.contains(london) && notes.contains(johannesburg),
        "{stdout}"
    );
    let check = common::backtest()
        .args(["data", "check"])
        .arg(dir.path())
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "{listing}");
    assert!(
        listing.contains(&format!("        warning: {london}\n")),
        "{listing}"
    );

    std::fs::write(
        dir.path().join("dataset.toml"),
        "[units]\n\"RIO.L\" = \"currency\"\n\"npn.jo\" = \"ZAR\"\n",
    )
    .unwrap();
    let (ok, stdout, stderr, summary) = run_binary(dir.path(), &[]);
    assert!(ok, "{stderr}");
    assert!(stderr.is_empty(), "said to be in pounds and rand: {stderr}");
    assert!(summary["dataset"].get("warnings").is_none(), "{summary}");
    assert!(!stdout.contains("listing"), "{stdout}");
}

#[test]
fn units_change_the_fingerprint_and_no_units_leave_it_as_it_was() {
    let files = [("RIO.L.csv", RIO_PENCE), ("GLD.csv", GLD)];
    let fingerprint = |manifest: &str| {
        let dir = dataset(&files, manifest);
        summary_of(dir.path()).dataset.fingerprint
    };
    let bare = fingerprint("");
    let files_alone = {
        let dir = dataset(&files, "");
        let dataset = open(dir.path());
        let hashes: Vec<String> = ["GLD", "RIO.L"]
            .iter()
            .map(|s| {
                dataset
                    .load(s, &LoadOptions::default())
                    .unwrap()
                    .1
                    .fingerprint
            })
            .collect();
        backtest::hash::fnv1a_hex(hashes.join(",").as_bytes())
    };
    assert_eq!(
        bare, files_alone,
        "without settings: the hash of the files' hashes"
    );
    assert_eq!(
        fingerprint("description = \"London\"\n"),
        bare,
        "a manifest without units changes nothing read"
    );
    let pence = fingerprint("[units]\n\"RIO.L\" = \"pence\"\n");
    let pounds = fingerprint("[units]\n\"RIO.L\" = \"pounds\"\n");
    let zone = fingerprint("[timezones]\n\"RIO.L\" = \"Europe/London\"\n");
    let format = fingerprint("[date_formats]\n\"RIO.L\" = \"%Y-%m-%d\"\n");
    let all = [&bare, &pence, &pounds, &zone, &format];
    for (i, a) in all.iter().enumerate() {
        for b in &all[..i] {
            assert_ne!(a, b, "{all:?}");
        }
    }
}

/// A day-first file (`02/01/2024` is 2 January), as Australian vendors write dates.
const BHP_DAY_FIRST: &str = "Date,Close
02/01/2024,45.10
03/01/2024,45.52
04/01/2024,45.31
";

/// A month-first file (`01/03/2024` is 3 January), as American vendors write dates.
const SPY_MONTH_FIRST: &str = "Date,Close
01/02/2024,472.65
01/03/2024,468.79
01/04/2024,467.28
";

#[test]
fn per_file_date_formats_read_day_first_beside_iso_and_month_first_files() {
    let days = [day("2024-01-02"), day("2024-01-03"), day("2024-01-04")];
    let dir = dataset(
        &[("BHP.AX.csv", BHP_DAY_FIRST), ("GLD.csv", GLD)],
        "[date_formats]\n\"BHP.AX\" = \"%d/%m/%Y\"\n",
    );
    let (ok, _, stderr, summary) = run_binary(dir.path(), &[]);
    assert!(ok, "no --date-format needed: {stderr}");
    assert_eq!(summary["dataset"]["bars"], 3);
    assert_eq!(
        summary["dataset"]["date_formats"],
        serde_json::json!({"BHP.AX": "%d/%m/%Y"})
    );
    std::fs::remove_file(dir.path().join("dataset.toml")).unwrap();
    let (ok, _, stderr, _) = run_binary(dir.path(), &[]);
    assert!(!ok, "without the manifest the day-first file is refused");
    assert!(stderr.contains("--date-format %d/%m/%Y"), "{stderr}");

    // One folder, two conventions: the manifest names one, the command line the other.
    let dir = dataset(
        &[("BHP.AX.csv", BHP_DAY_FIRST), ("SPY.csv", SPY_MONTH_FIRST)],
        "[date_formats]\n\"BHP.AX\" = \"%d/%m/%Y\"\n",
    );
    let options = LoadOptions {
        date_format: Some("%m/%d/%Y".into()),
        ..LoadOptions::default()
    };
    let dataset = open(dir.path());
    assert_eq!(dataset.load("BHP.AX", &options).unwrap().0.dates, days);
    assert_eq!(dataset.load("SPY", &options).unwrap().0.dates, days);
}

/// Closes of a Sydney listing stamped in UTC: 16:10 in Sydney (UTC+11 in January) is 05:10
/// UTC the same day, but a vendor's end-of-day stamp is often the evening before, in UTC.
const BHP_UTC: &str = "Date,Close
2024-01-01T23:00:00Z,45.10
2024-01-02T23:00:00Z,45.52
2024-01-03T23:00:00Z,45.31
";

/// Closes of a New York listing stamped in UTC: 16:00 in New York is 21:00 UTC.
const SPY_UTC: &str = "Date,Close
2024-01-02T21:00:00Z,472.65
2024-01-03T21:00:00Z,468.79
2024-01-04T21:00:00Z,467.28
";

#[test]
fn a_per_file_time_zone_shifts_utc_stamps_to_the_exchange_dates() {
    let days = [day("2024-01-02"), day("2024-01-03"), day("2024-01-04")];
    let files = [("BHP.AX.csv", BHP_UTC), ("SPY.csv", SPY_UTC)];
    let new_york = LoadOptions {
        timezone: Some("America/New_York".parse().unwrap()),
        ..LoadOptions::default()
    };
    let unnamed = dataset(&files, "");
    let bhp = open(unnamed.path()).load("BHP.AX", &new_york).unwrap().0;
    assert_eq!(
        bhp.dates[0],
        day("2024-01-01"),
        "New York's date of the stamp"
    );

    let dir = dataset(&files, "[timezones]\n\"BHP.AX\" = \"Australia/Sydney\"\n");
    let dataset = open(dir.path());
    assert_eq!(dataset.load("BHP.AX", &new_york).unwrap().0.dates, days);
    assert_eq!(
        dataset.load("SPY", &new_york).unwrap().0.dates,
        days,
        "the command line's zone for the symbols the manifest does not name"
    );
    let (ok, _, stderr, summary) = run_binary(dir.path(), &["--timezone", "America/New_York"]);
    assert!(ok, "{stderr}");
    assert_eq!(summary["dataset"]["first_date"], "2024-01-02");
    assert_eq!(summary["dataset"]["bars"], 3);
    assert_eq!(
        summary["dataset"]["timezones"],
        serde_json::json!({"BHP.AX": "Australia/Sydney"})
    );
}

/// The error of `backtest data check` on a folder of `RIO.L.csv` with `manifest`: its exit
/// code must be 2 and its standard error one line, returned with the manifest's path.
fn refusal(manifest: &str) -> (String, PathBuf) {
    let dir = dataset(&[("RIO.L.csv", RIO_PENCE)], manifest);
    let output = common::backtest()
        .args(["data", "check"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    (stderr, dir.path().join("dataset.toml"))
}

#[test]
fn an_unknown_zone_or_a_symbol_without_a_file_is_refused_naming_the_manifest_line() {
    let (error, path) = refusal("name = \"lse\"\n\n[timezones]\n\"RIO.L\" = \"Europe/Londn\"\n");
    assert_eq!(
        error,
        format!(
            "error: {}:4: invalid manifest: [timezones] gives RIO.L \"Europe/Londn\", which is \
             not a time zone of the IANA database: give the exchange's, such as Europe/London, \
             Africa/Johannesburg or Australia/Sydney\n",
            path.display()
        )
    );
    for (table, entry, gives) in [
        ("units", "\"RIO\" = \"pence\"", "RIO prices in pence"),
        (
            "date_formats",
            "\"RIO\" = \"%d/%m/%Y\"",
            "RIO dates as %d/%m/%Y",
        ),
        (
            "timezones",
            "\"RIO\" = \"Europe/London\"",
            "RIO the time zone Europe/London",
        ),
    ] {
        let (error, path) = refusal(&format!("name = \"lse\"\n\n[{table}]\n{entry}\n"));
        assert_eq!(
            error,
            format!(
                "error: {}:4: [{table}] gives {gives}, but no file holds RIO: correct the \
                 symbol or remove the line\n",
                path.display()
            )
        );
    }
    let (error, path) = refusal("[units]\n\"RIO.L\" = \"pence\"\n\"rio.l\" = \"pence\"\n");
    assert_eq!(
        error,
        format!(
            "error: {}:3: [units] names the file of RIO.L twice (as rio.l too): keep one line\n",
            path.display()
        )
    );
}

#[test]
fn research_commands_say_the_unit_warning_on_standard_error() {
    let dir = dataset(&[("RIO.L.csv", RIO_PENCE), ("GLD.csv", GLD)], "");
    let commands: [&[&str]; 2] = [
        &[
            "sweep",
            "--strategy",
            "sma-cross",
            "--grid",
            "fast=1",
            "--grid",
            "slow=2",
            "--no-charts",
        ],
        &[
            "robustness",
            "--strategy",
            "buy-and-hold",
            "--bootstrap",
            "2",
            "--no-charts",
        ],
    ];
    for command in commands {
        let output = common::backtest()
            .args(command)
            .arg("--data")
            .arg(dir.path())
            .arg("--out")
            .arg(dir.path().join(command[0]))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{command:?}: {stderr}");
        assert_eq!(
            stderr
                .lines()
                .filter(|l| l.starts_with("warning: RIO.L: a London listing"))
                .count(),
            1,
            "{command:?}: {stderr}"
        );
    }
}
