//! The page's number formats, chart axes and smoothing, confusion colours and gallery paging,
//! checked natively against the strings and values the JavaScript page produced.

use fashion_cnn::protocol::{LambdaScore, Report, ReportRow};
use fashion_cnn::view::chart::{
    Curve, MAX_DOTS, MatrixLayout, Ticks, clamp_to, ema_alpha, lambda_ranges, lambda_y_ticks, same_lambda, to_pixel,
};
use fashion_cnn::view::colour::{Rgba, confusion_cell, confusion_fraction, confusion_text};
use fashion_cnn::view::format::{
    Scored, fmt_lambda, fmt_time, js_round, lambda_rows, pct, report_rows, round_thousands, thousands, to_fixed,
};
use fashion_cnn::view::gallery::{self, Filter, PAGE};

#[test]
fn times_read_as_minutes_and_seconds() {
    assert_eq!(fmt_time(0.0), "0 s");
    assert_eq!(fmt_time(42.4), "42 s");
    assert_eq!(fmt_time(59.5), "1 min 00 s");
    assert_eq!(fmt_time(65.0), "1 min 05 s");
    assert_eq!(fmt_time(3725.0), "62 min 05 s");
    assert_eq!(fmt_time(f64::INFINITY), "–");
    assert_eq!(fmt_time(f64::NAN), "–");
    // Math.round(-0.4) is -0, written "0".
    assert_eq!(fmt_time(-0.4), "0 s");
}

#[test]
fn percentages_and_separators() {
    assert_eq!(pct(0.1234), "12.34 %");
    assert_eq!(pct(1.0), "100.00 %");
    assert_eq!(pct(0.0), "0.00 %");
    assert_eq!(pct(0.83284), "83.28 %");
    assert_eq!(thousands(0), "0");
    assert_eq!(thousands(999), "999");
    assert_eq!(thousands(1000), "1,000");
    assert_eq!(thousands(60_000), "60,000");
    assert_eq!(thousands(1_234_567), "1,234,567");
    assert_eq!(thousands(-12_345), "-12,345");
    assert_eq!(round_thousands(-12_345.2), "-12,345");
    assert_eq!(round_thousands(1879.5), "1,880");
    assert_eq!(round_thousands(f64::NAN), "–");
    assert_eq!(js_round(2.5), 3);
    assert_eq!(js_round(-2.5), -2);
}

#[test]
fn powers_of_ten_as_short_labels() {
    let labels: Vec<String> = (0..9).map(fashion_cnn::view::format::power_of_ten).collect();
    assert_eq!(labels, ["1", "10", "100", "1k", "10k", "100k", "1M", "10M", "100M"]);
}

#[test]
fn to_fixed_rounds_ties_away_from_zero_like_javascript() {
    assert_eq!(to_fixed(0.0625, 3), "0.063");
    assert_eq!(to_fixed(2.5, 0), "3");
    assert_eq!(to_fixed(-2.5, 0), "-3");
    assert_eq!(to_fixed(0.125, 2), "0.13");
    // 1.005 is really 1.00499999999999989...: no tie.
    assert_eq!(to_fixed(1.005, 2), "1.00");
    assert_eq!(to_fixed(0.87654321, 4), "0.8765");
    assert_eq!(to_fixed(-0.0, 2), "0.00");
    assert_eq!(to_fixed(1234.56, 1), "1234.6");
    assert_eq!(to_fixed(f64::NAN, 2), "NaN");
}

#[test]
fn lambdas_in_exponent_form() {
    assert_eq!(fmt_lambda(1e-4), "1e-4");
    assert_eq!(fmt_lambda(0.0001), "1e-4");
    assert_eq!(fmt_lambda(3e-3), "3e-3");
    assert_eq!(fmt_lambda(1e-5), "1e-5");
    assert_eq!(fmt_lambda(1.0), "1e0");
    assert_eq!(fmt_lambda(100.0), "1e2");
    assert_eq!(fmt_lambda(0.00015), "1e-4");
    // A true tie rounds up, as toExponential does.
    assert_eq!(fmt_lambda(2.5), "3e0");
    assert_eq!(fmt_lambda(25.0), "3e1");
}

#[test]
fn ema_alpha_follows_the_run_length() {
    assert_eq!(ema_alpha(1), 0.3);
    assert_eq!(ema_alpha(0), 0.3);
    assert_eq!(ema_alpha(100), 0.2);
    assert_eq!(ema_alpha(1000), 0.02);
    assert_eq!(ema_alpha(100_000), 0.02);
}

#[test]
fn curve_smooths_and_keeps_epochs() {
    let mut c = Curve::new(100, 0);
    assert_eq!(c.ema(), None);
    c.add(1.0, 1.0);
    assert_eq!(c.ema(), Some(1.0));
    c.add(2.0, 0.0);
    // alpha = 0.2 for 100 batches.
    assert!((c.ema().unwrap() - 0.8).abs() < 1e-12);
    c.add(3.0, 0.8);
    assert!((c.ema().unwrap() - 0.8).abs() < 1e-12);
    assert_eq!(c.raw.len(), 3);
    assert_eq!(c.smooth[1].0, 2.0);
    c.add_epoch(3.0, 0.6);
    assert_eq!(c.epochs, vec![(3.0, 0.6)]);
    assert_eq!(c.total(), 100);
    assert_eq!(Curve::new(0, 0).total(), 1);
}

#[test]
fn loss_axis_top() {
    let mut c = Curve::new(10, 0);
    assert!((c.loss_y_max() - 0.55).abs() < 1e-12);
    c.add(1.0, 2.0);
    assert!((c.loss_y_max() - 2.2).abs() < 1e-12);
    c.add_epoch(1.0, 3.0);
    assert!((c.loss_y_max() - 3.3).abs() < 1e-12);
    c.add(2.0, f64::NAN);
    assert!(c.loss_y_max().is_finite());
}

#[test]
fn dots_are_thinned_to_about_max_dots() {
    let mut c = Curve::new(10_000, 0);
    for i in 0..10_000 {
        c.add(f64::from(i), 0.5);
    }
    let n = c.dots().count();
    assert!((MAX_DOTS..=2 * MAX_DOTS).contains(&n), "{n} dots");
    let mut small = Curve::new(10, 0);
    small.add(1.0, 1.0);
    small.add(2.0, 1.0);
    assert_eq!(small.dots().count(), 2);
}

#[test]
fn ticks_are_round_numbers() {
    let t = Ticks::new(0.0, 1.0, 5);
    assert_eq!(t.values, vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
    assert_eq!(t.decimals, 1);
    assert_eq!(t.label(0.6), "0.6");
    let loss = Ticks::new(0.0, 2.75, 5);
    assert_eq!(loss.values, vec![0.0, 0.5, 1.0, 1.5, 2.0, 2.5]);
    assert_eq!(loss.label(1.0), "1.0");
    let small = Ticks::new(0.0, 0.55, 5);
    assert_eq!(small.values, vec![0.0, 0.1, 0.2, 0.3, 0.4, 0.5]);
    let x = Ticks::whole(0.0, 938.0, 6);
    assert_eq!(x.values, vec![0.0, 200.0, 400.0, 600.0, 800.0]);
    assert_eq!(x.label(400.0), "400");
    assert_eq!(x.decimals, 0);
    let short = Ticks::whole(0.0, 3.0, 6);
    assert_eq!(short.values, vec![0.0, 1.0, 2.0, 3.0]);
    let one = Ticks::whole(0.0, 1.0, 6);
    assert_eq!(one.values, vec![0.0, 1.0]);
    assert_eq!(Ticks::new(1.0, 1.0, 5).values, vec![1.0]);
    let long = Ticks::whole(0.0, 11_250.0, 6);
    assert_eq!(long.values, vec![0.0, 2000.0, 4000.0, 6000.0, 8000.0, 10_000.0]);
    assert_eq!(long.label(10_000.0), "10,000");
}

#[test]
fn epoch_lines_fall_between_the_epochs() {
    let mut c = Curve::new(30, 10);
    assert_eq!(c.epoch_lines(), vec![10.0, 20.0]);
    assert!(Curve::new(10, 10).epoch_lines().is_empty(), "one epoch: no line");
    assert!(Curve::new(30, 0).epoch_lines().is_empty(), "epoch length not known");
    // A last epoch cut short (train_limit not a multiple of the batch) still gets its line.
    assert_eq!(Curve::new(25, 9).epoch_lines(), vec![9.0, 18.0]);
    c.add_held_out(10.0, 0.8);
    assert_eq!(c.held_out, vec![(10.0, 0.8)]);
}

#[test]
fn matrix_cells_are_found_where_they_are_drawn() {
    let m = MatrixLayout::new(560.0, 560.0, 10);
    assert_eq!(m.cell, 41.0);
    assert!(m.bottom() + 40.0 <= 560.0, "room for the colour scale under the cells");
    assert_eq!(m.cell_at(m.left + 0.5, m.top + 0.5), Some((0, 0)));
    assert_eq!(m.cell_at(m.left + 3.5 * m.cell, m.top + 6.2 * m.cell), Some((6, 3)));
    assert_eq!(m.cell_at(m.left - 1.0, m.top + 5.0), None, "the row names");
    assert_eq!(m.cell_at(m.left + 10.0 * m.cell, m.top + 5.0), None, "right of the last column");
    assert_eq!(m.cell_at(m.left + 5.0, m.bottom() + 1.0), None, "the colour scale");
    // A phone's 348 px canvas keeps cells wide enough for a three-digit count at 11 px.
    assert!(MatrixLayout::new(348.0, 348.0, 10).cell >= 20.0);
}

#[test]
fn clamping_and_pixels() {
    assert_eq!(clamp_to(1.5, (0.0, 1.0)), 1.0);
    assert_eq!(clamp_to(-1.0, (0.0, 1.0)), 0.0);
    assert_eq!(clamp_to(f64::NAN, (0.0, 1.0)), 0.0);
    assert_eq!(to_pixel(0.5, (0.0, 1.0), (48.0, 530.0)), 289.0);
    assert_eq!(to_pixel(1.0, (0.0, 1.0), (232.0, 12.0)), 12.0);
}

#[test]
fn lambda_chart_axes() {
    let scores = [
        LambdaScore { lambda: 1e-5, accuracy: 0.85 },
        LambdaScore { lambda: 1e-4, accuracy: 0.87 },
        LambdaScore { lambda: 1e-3, accuracy: 0.86 },
    ];
    let ((x0, x1), (y0, y1)) = lambda_ranges(&scores).unwrap();
    assert!((x0 + 5.5).abs() < 1e-9 && (x1 + 2.5).abs() < 1e-9);
    assert!((y0 - 0.84).abs() < 1e-9 && (y1 - 0.88).abs() < 1e-9);
    assert_eq!(lambda_ranges(&[]), None);
    let top = lambda_ranges(&[LambdaScore { lambda: 1.0, accuracy: 1.0 }]).unwrap().1;
    assert!(top.1 <= 1.0 && top.1 > top.0);
    let ticks = lambda_y_ticks((0.84, 0.87));
    assert_eq!(ticks.len(), 4);
    assert!((ticks[1] - 0.85).abs() < 1e-12 && (ticks[3] - 0.87).abs() < 1e-12);
    assert!(same_lambda(1e-4, Some(10f64.powf(-4.0))));
    assert!(!same_lambda(1e-4, Some(1e-3)));
    assert!(!same_lambda(1e-4, None));
}

#[test]
fn confusion_colours() {
    assert_eq!(confusion_fraction(5, 0), 5.0);
    assert_eq!(confusion_fraction(0, 0), 0.0);
    assert_eq!(confusion_fraction(25, 100), 0.25);
    assert_eq!(confusion_cell(100, 100, true), Rgba::new(36, 86, 200, 1.0));
    assert_eq!(confusion_cell(0, 100, true).css(), "rgba(36,86,200,0.1)");
    assert_eq!(confusion_cell(50, 100, true).css(), "rgba(36,86,200,0.55)");
    assert_eq!(confusion_cell(10, 100, false).css(), "rgba(208,69,43,0.30000000000000004)");
    assert_eq!(confusion_cell(50, 100, false).css(), "rgba(208,69,43,1)");
    assert_eq!(confusion_cell(0, 0, false).css(), "rgba(208,69,43,0)");
    assert_eq!(confusion_text(51, 100), "#fff");
    assert_eq!(confusion_text(50, 100), "#222");
}

#[test]
fn gallery_filters() {
    let labels = [0, 1, 2, 3, 4];
    let cnn = [0, 9, 9, 3, 4];
    let svm = [0, 1, 9, 8, 4];
    assert_eq!(gallery::indices(Filter::CnnErrors, &labels, &cnn, None), vec![1, 2]);
    assert_eq!(gallery::indices(Filter::SvmErrors, &labels, &cnn, None), Vec::<usize>::new());
    assert_eq!(gallery::indices(Filter::SvmErrors, &labels, &cnn, Some(&svm)), vec![2, 3]);
    assert_eq!(gallery::indices(Filter::Fixed, &labels, &cnn, Some(&svm)), vec![1]);
    assert_eq!(gallery::indices(Filter::Broken, &labels, &cnn, Some(&svm)), vec![3]);
    assert_eq!(gallery::indices(Filter::Fixed, &labels, &cnn, None), Vec::<usize>::new());
    assert_eq!(gallery::indices(Filter::All, &labels, &cnn, None), vec![0, 1, 2, 3, 4]);
    for f in Filter::ALL {
        assert_eq!(Filter::from_value(&f.value()), Some(f));
    }
    // A confusion matrix's cell: true class 0 the CNN called 6, and the SVM's same cell.
    let pair = Filter::Pair { svm: false, truth: 0, predicted: 6 };
    assert_eq!(Filter::from_value(&pair.value()), Some(pair));
    assert_eq!(pair.value(), "cnn:0:6");
    assert_eq!(pair.label(), "true T-shirt/top, predicted Shirt by the CNN head");
    let labels = [0, 0, 0, 6, 0];
    let cnn = [6, 0, 6, 6, 6];
    let svm = [6, 6, 0, 6, 0];
    assert_eq!(gallery::indices(pair, &labels, &cnn, Some(&svm)), vec![0, 2, 4]);
    let svm_pair = Filter::Pair { svm: true, truth: 0, predicted: 6 };
    assert_eq!(gallery::indices(svm_pair, &labels, &cnn, Some(&svm)), vec![0, 1]);
    assert_eq!(gallery::indices(svm_pair, &labels, &cnn, None), Vec::<usize>::new());
    for bad in ["cnn:0", "cnn:0:10", "svm:a:1", "knn:0:1", "cnn:0:1:2"] {
        assert_eq!(Filter::from_value(bad), None, "{bad}");
    }
    assert!(Filter::All.mixes() && !Filter::SvmErrors.mixes() && !pair.mixes());
    assert_eq!(Filter::from_value("svm-errors"), Some(Filter::SvmErrors));
    assert_eq!(Filter::from_value("nonsense"), None);
}

#[test]
fn gallery_paging() {
    assert_eq!(PAGE, 24);
    assert_eq!(gallery::page_count(0), 1);
    assert_eq!(gallery::page_count(24), 1);
    assert_eq!(gallery::page_count(25), 2);
    assert_eq!(gallery::page_count(600), 25);
    assert_eq!(gallery::clamp_page(7, 30), 1);
    assert_eq!(gallery::clamp_page(0, 0), 0);
    let indices: Vec<usize> = (100..130).collect();
    assert_eq!(gallery::page_items(&indices, 0), &indices[..24]);
    assert_eq!(gallery::page_items(&indices, 1), &indices[24..]);
    assert_eq!(gallery::page_items(&indices, 9), &indices[24..]);
    assert!(gallery::page_items(&[], 0).is_empty());
    assert_eq!(gallery::page_text(600, 0), "600 images; page 1 of 25");
    assert_eq!(gallery::page_text(1234, 1), "1,234 images; page 2 of 52");
    assert_eq!(gallery::page_text(0, 0), "No images of this kind.");
}

#[test]
fn gallery_tiles() {
    assert!(gallery::is_wrong(1, 1, Some(2)));
    assert!(!gallery::is_wrong(1, 2, Some(1)));
    assert!(gallery::is_wrong(1, 2, None));
    assert_eq!(gallery::tile_label(7, 9), "test image 7, a Ankle boot");
    assert_eq!(
        gallery::caption_html(12, 0, 6, Some(0), Some(0.874)),
        "#12: <b>T-shirt/top</b><br>CNN: <span class=\"bad\">Shirt ✗</span> 87 %<br>SVM: <span class=\"ok\">T-shirt/top ✓</span>"
    );
    assert_eq!(
        gallery::caption_html(3, 1, 1, None, None),
        "#3: <b>Trouser</b><br>CNN: <span class=\"ok\">Trouser ✓</span>"
    );
}

fn report(shift: f64) -> Report {
    let row = |i: usize| ReportRow {
        precision: 0.8 + shift + i as f64 * 0.01,
        recall: 0.7 + i as f64 * 0.01,
        f1: 0.75,
        support: 1000,
    };
    Report { classes: (0..10).map(row).collect(), macro_avg: row(0), weighted_avg: row(1) }
}

#[test]
fn classification_report_rows() {
    let (cnn, svm) = (report(0.0), report(0.05));
    let html = report_rows(Scored { report: &cnn, accuracy: 0.8766 }, 10_000, None);
    assert_eq!(html.matches("<tr").count(), 13);
    assert_eq!(html.matches("<tr class=\"avg\">").count(), 3);
    assert!(html.starts_with(
        "<tr><td>T-shirt/top</td><td data-label=\"CNN precision\">0.800</td><td data-label=\"CNN recall\">0.700</td>\
         <td data-label=\"CNN F1\">0.750</td><td data-label=\"SVM precision\">–</td><td data-label=\"SVM recall\">–</td>\
         <td data-label=\"SVM F1\">–</td><td data-label=\"Support\">1,000</td></tr>"
    ));
    assert!(html.contains("<tr class=\"avg\"><td>macro average</td>"));
    assert!(html.ends_with(
        "<tr class=\"avg\"><td>accuracy</td><td colspan=\"3\" data-label=\"CNN\">0.877</td>\
         <td colspan=\"3\" data-label=\"CNN + SVM\">–</td><td data-label=\"Support\">10,000</td></tr>"
    ));
    assert!(!html.contains("better"));
    let both =
        report_rows(Scored { report: &cnn, accuracy: 0.8766 }, 10_000, Some(Scored { report: &svm, accuracy: 0.9 }));
    assert_eq!(both.matches("<tr").count(), 13);
    // Only the SVM's precision beats the CNN's: one `better` per class and average row.
    assert_eq!(both.matches("<td class=\"better\"").count(), 12);
    assert!(both.contains(
        "<td data-label=\"CNN F1\">0.750</td><td class=\"better\" data-label=\"SVM precision\">0.850</td>\
         <td data-label=\"SVM recall\">0.700</td>"
    ));
    assert!(both.contains("<td colspan=\"3\" data-label=\"CNN + SVM\">0.900</td>"));
}

#[test]
fn lambda_table_rows() {
    let scores = [LambdaScore { lambda: 1e-5, accuracy: 0.85 }, LambdaScore { lambda: 1e-4, accuracy: 0.8712 }];
    assert_eq!(
        lambda_rows(&scores, None, Some(1e-3)),
        "<tr class=\"\"><td>1e-5</td><td>85.00 %</td></tr><tr class=\"\"><td>1e-4</td><td>87.12 %</td></tr>\
         <tr><td>1e-3</td><td>fitting…</td></tr>"
    );
    assert_eq!(
        lambda_rows(&scores, Some(1e-4), None),
        "<tr class=\"\"><td>1e-5</td><td>85.00 %</td></tr><tr class=\"chosen\"><td>1e-4</td><td>87.12 % ← chosen</td></tr>"
    );
    assert_eq!(lambda_rows(&[], None, None), "");
}
