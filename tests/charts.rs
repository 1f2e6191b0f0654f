//! Every chart of every registered strategy renders, on the sample and on real data: each PNG
//! exists, has the size asked for and is not blank. The charts' text is drawn with the fonts
//! embedded in the binary only (plotters is built without its system-font backend), so these
//! tests pass on a machine with no fonts installed, and check that the text is there.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use backtest::Date;
use backtest::data::LoadOptions;
use backtest::report::ChartOptions;
use backtest::report::charts::{draw_run_charts, tearsheet_size};
use backtest::run::{RunReport, RunRequest};
use backtest::strategies::REGISTRY;

/// Every file a run's charts make.
const FILES: [&str; 7] = [
    "equity.png",
    "drawdown.png",
    "monthly_returns.png",
    "rolling.png",
    "annual_returns.png",
    "signals.png",
    "tearsheet.png",
];

/// Luminance variance (0-255 scale, squared) of the plot area at or under which an image counts
/// as blank. A one-colour image has 0; the sparsest chart here, the one-row monthly grid of a
/// 40-bar run, has about 45, and the charts of the full-length runs over 90.
const BLANK: f64 = 10.0;

fn request(data: PathBuf, strategy: &str, symbols: &[&str], to: Option<Date>) -> RunRequest {
    RunRequest {
        symbols: symbols.iter().map(ToString::to_string).collect(),
        load: LoadOptions {
            to,
            ..LoadOptions::default()
        },
        ..RunRequest::new(strategy, data)
    }
}

/// Draws every chart of `report` into `dir` the way a caller would, returning the paths in the
/// order of [`FILES`].
fn draw(report: &RunReport, dir: &Path, options: &ChartOptions) -> Vec<PathBuf> {
    let written = Mutex::new(Vec::new());
    draw_run_charts(report, options, &|name, draw| {
        let path = dir.join(name);
        draw(&path)?;
        written.lock().unwrap().push(name.to_string());
        Ok(())
    })
    .unwrap();
    let mut written = written.into_inner().unwrap();
    written.sort_by_key(|name| FILES.iter().position(|f| f == name));
    assert_eq!(written, FILES, "each file once");
    FILES.iter().map(|name| dir.join(name)).collect()
}

/// The variance of the luminance over a rectangle given in thousandths of the image's width
/// and height, from every other pixel of every other row (plenty for the check, and four times
/// faster in a debug build).
fn variance(image: &image::RgbImage, (x0, x1): (usize, usize), (y0, y1): (usize, usize)) -> f64 {
    let (width, height) = (image.width() as usize, image.height() as usize);
    let raw = image.as_raw();
    let (mut count, mut sum, mut squares) = (0.0, 0.0, 0.0);
    for row in (height * y0 / 1000..height * y1 / 1000).step_by(2) {
        for column in (width * x0 / 1000..width * x1 / 1000).step_by(2) {
            let rgb = &raw[(row * width + column) * 3..][..3];
            let luminance =
                0.299 * f64::from(rgb[0]) + 0.587 * f64::from(rgb[1]) + 0.114 * f64::from(rgb[2]);
            count += 1.0;
            sum += luminance;
            squares += luminance * luminance;
        }
    }
    squares / count - (sum / count).powi(2)
}

/// Checks one chart: a PNG of `size` (read from the IHDR chunk), not blank in its central 60%,
/// with a title drawn in its top strip (62 of every 900 pixels of `chart_height`: the tearsheet
/// is taller than the charts its text is sized for).
fn assert_chart(path: &Path, size: (u32, u32), chart_height: u32) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(bytes[..8], *b"\x89PNG\r\n\x1a\n", "{}", path.display());
    let be = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    assert_eq!((be(16), be(20)), size, "{}: IHDR size", path.display());
    let image = image::load_from_memory_with_format(&bytes, image::ImageFormat::Png)
        .unwrap()
        .to_rgb8();
    let plot = variance(&image, (200, 800), (200, 800));
    assert!(
        plot > BLANK,
        "{}: blank plot, variance {plot}",
        path.display()
    );
    let title_band = 62 * 1000 * chart_height as usize / (900 * size.1 as usize);
    let title = variance(&image, (0, 500), (0, title_band));
    assert!(
        title > BLANK,
        "{}: no title, variance {title}",
        path.display()
    );
}

/// Runs `requests` and draws their charts at `options`, each run's on its own thread, and
/// checks every file.
fn check_runs(requests: &[(String, RunRequest)], options: &ChartOptions) {
    let (w, h) = options.size;
    let reports =
        backtest::run::execute_many(&requests.iter().map(|(_, r)| r.clone()).collect::<Vec<_>>());
    std::thread::scope(|scope| {
        for ((case, _), report) in requests.iter().zip(reports) {
            scope.spawn(move || {
                let report = report.unwrap_or_else(|e| panic!("{case}: {e}"));
                let dir = tempfile::tempdir().unwrap();
                for path in draw(&report, dir.path(), options) {
                    let size = if path.ends_with("tearsheet.png") {
                        // Every chart under its title, and the headline numbers above.
                        let size = tearsheet_size((w, h));
                        assert!(size.1 > 6 * h * 9 / 10, "{}: {size:?}", path.display());
                        size
                    } else {
                        (w, h)
                    };
                    assert_chart(&path, size, h);
                }
            });
        }
    });
}

#[test]
fn every_chart_of_every_strategy_renders_on_the_sample() {
    let requests: Vec<(String, RunRequest)> = REGISTRY
        .iter()
        .map(|spec| {
            let case = format!("{} on the sample", spec.name);
            (case, request(common::sample(), spec.name, &[], None))
        })
        .collect();
    check_runs(&requests, &ChartOptions::default());
}

#[test]
fn charts_follow_the_size_and_log_scale_asked_for() {
    let requests = [(
        "sma-cross at 1000x700, log scale".to_string(),
        request(common::sample(), "sma-cross", &["GLD"], None),
    )];
    let options = ChartOptions {
        size: (1000, 700),
        log_scale: true,
        ..ChartOptions::default()
    };
    check_runs(&requests, &options);
}

#[test]
fn every_chart_renders_on_real_data() {
    let Some(dir) = common::market_data("charts on real data") else {
        return;
    };
    let july_2026 = Date::from_ymd_opt(2026, 7, 31);
    let long = dir.join("close-adjusted-long");
    let raw = dir.join("etf-ohlcv-raw");
    let cases = [
        ("defensive-miners", &long, vec![], july_2026),
        ("miners-vs-metal", &long, vec![], july_2026),
        ("parabolic-reversion", &raw, vec![], None),
        ("buy-and-hold", &raw, vec!["GLD"], None),
        ("sma-cross", &raw, vec!["GLD"], None),
    ];
    let requests: Vec<(String, RunRequest)> = cases
        .into_iter()
        .map(|(strategy, data, symbols, to)| {
            let case = format!("{strategy} on {}", data.display());
            (case, request(data.clone(), strategy, &symbols, to))
        })
        .collect();
    check_runs(&requests, &ChartOptions::default());
}

#[test]
fn a_run_shorter_than_a_year_still_draws_every_chart() {
    // 40 bars: no rolling window, one partial year, two partial months.
    let mut short = request(common::sample(), "parabolic-reversion", &[], None);
    short.load.from = Date::from_ymd_opt(2024, 11, 1);
    let requests = [("parabolic-reversion over 40 bars".to_string(), short)];
    check_runs(&requests, &ChartOptions::default());
}

#[test]
fn a_blank_image_fails_the_check() {
    let white = image::RgbImage::from_pixel(400, 300, image::Rgb([255, 255, 255]));
    let grey = image::RgbImage::from_pixel(400, 300, image::Rgb([90, 120, 200]));
    for blank in [white, grey] {
        assert!(variance(&blank, (200, 800), (200, 800)) <= BLANK);
    }
}

#[test]
fn the_tearsheet_alone_draws_the_charts_it_is_made_of() {
    // A caller that writes only the tearsheet: the charts it shows are drawn for it.
    let report =
        backtest::run::execute(&request(common::sample(), "sma-cross", &["GLD"], None)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let options = ChartOptions::default();
    draw_run_charts(&report, &options, &|name, draw| {
        if name == "tearsheet.png" {
            draw(&dir.path().join(name))?;
        }
        Ok(())
    })
    .unwrap();
    let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(files.len(), 1, "only the tearsheet is written");
    let size = tearsheet_size(options.size);
    assert_chart(&dir.path().join("tearsheet.png"), size, options.size.1);
    // Its lower half is charts, not white.
    let image = image::open(dir.path().join("tearsheet.png"))
        .unwrap()
        .to_rgb8();
    assert!(variance(&image, (100, 900), (500, 1000)) > BLANK);
}
