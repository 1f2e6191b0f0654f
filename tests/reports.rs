//! A report directory is replaced whole or not at all: a run killed at any moment, or one that
//! fails, leaves the previous report complete; a directory that is not a report is refused.

mod common;

use std::process::Command as Process;
use std::time::Duration;

use assert_cmd::Command;
use assert_cmd::cargo::CommandCargoExt;
use common::complete_report;

#[test]
fn a_run_killed_at_any_moment_leaves_a_whole_report() {
    let out = tempfile::tempdir().unwrap();
    let report = out.path().join("sma-cross");
    let run = |fast: &str| {
        let mut cmd = Process::cargo_bin("backtest").unwrap();
        cmd.current_dir(common::root())
            .args(["--strategy", "sma-cross", "--no-charts", "--param"])
            .arg(format!("fast={fast}"))
            .arg("--out")
            .arg(&report)
            .stdout(std::process::Stdio::null());
        cmd
    };
    assert!(run("20").status().unwrap().success());
    let before = complete_report(&report);
    for delay_ms in [0, 20, 60, 120, 200, 300, 450, 700, 1_000, 1_500] {
        let mut child = run("10").spawn().unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        let now = complete_report(&report);
        // Killed before the swap: the previous report; after it: the new one. Never a mix.
        if now["params"]["fast"] != 10 {
            assert_eq!(
                now, before,
                "killed after {delay_ms} ms: the previous report"
            );
        }
    }
    let status = run("10").status().unwrap();
    assert!(status.success());
    assert_eq!(complete_report(&report)["params"]["fast"], 10);
    let left: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    assert_eq!(
        left.len(),
        1,
        "a finished run leaves no staging directory: {left:?}"
    );
}

#[test]
fn a_failed_run_leaves_the_previous_report_untouched() {
    let out = tempfile::tempdir().unwrap();
    let report = out.path().join("r");
    let run = |extra: &[&str]| {
        Command::cargo_bin("backtest")
            .unwrap()
            .current_dir(common::root())
            .args([
                "--strategy",
                "buy-and-hold",
                "--symbols",
                "GLD",
                "--no-charts",
            ])
            .args(extra)
            .arg("--out")
            .arg(&report)
            .output()
            .unwrap()
    };
    assert!(run(&[]).status.success());
    let before = complete_report(&report);
    let failed = run(&["--max-leverage", "0.5"]);
    assert_eq!(
        failed.status.code(),
        Some(2),
        "a 100% target beyond a 0.5 cap"
    );
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(
        stderr.contains("strategy buy-and-hold at the close of 2000-01-03"),
        "{stderr}"
    );
    assert_eq!(complete_report(&report), before);
}

#[test]
fn a_directory_that_is_not_a_report_is_never_replaced() {
    let out = tempfile::tempdir().unwrap();
    std::fs::write(out.path().join("notes.txt"), "mine").unwrap();
    let output = Command::cargo_bin("backtest")
        .unwrap()
        .current_dir(common::root())
        .args(["--strategy", "buy-and-hold", "--no-charts", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("is not a report directory"));
    assert_eq!(
        std::fs::read_to_string(out.path().join("notes.txt")).unwrap(),
        "mine"
    );
}
