//! ROC and precision-recall curves (`#roc-chart`, `#pr-chart`), one class against the rest, for
//! the CNN head (ranked by its probabilities) or CNN + SVM (by its margins), with each class's
//! areas in `#auc-table` and the macro averages in `#metrics[data-cnn-auc][data-svm-auc]`.

use std::cell::RefCell;
use web_sys::HtmlSelectElement;

use super::dom::{by_id, el, on, set_data, set_hidden};
use super::plots::{Axes, Series, draw_lines};
use super::status;
use crate::dataset::CLASS_NAMES;
use crate::roc::{Curve, OneVsRest};
use crate::view::colour::CLASS_COLOURS;
use crate::view::format::to_fixed;

#[derive(Default)]
struct Shown {
    cnn: Option<OneVsRest>,
    svm: Option<OneVsRest>,
}

thread_local! {
    static CURVES: RefCell<Shown> = RefCell::new(Shown::default());
}

pub fn init() {
    on::<web_sys::Event>("curves-classifier", "change", |_| redraw());
}

/// A run starts: its curves replace these.
pub fn clear() {
    CURVES.set(Shown::default());
    let m = el("metrics");
    set_data(&m, "cnn-auc", None);
    set_data(&m, "svm-auc", None);
    set_hidden("curves-panel", true);
}

pub fn on_cnn(curves: OneVsRest) {
    set_data(&el("metrics"), "cnn-auc", Some(&to_fixed(curves.macro_auc, 4)));
    CURVES.with_borrow_mut(|c| {
        c.cnn = Some(curves);
        c.svm = None;
    });
    set_data(&el("metrics"), "svm-auc", None);
    by_id::<HtmlSelectElement>("curves-classifier").set_value("cnn");
    set_hidden("curves-panel", false);
    redraw();
}

pub fn on_svm(curves: OneVsRest) {
    set_data(&el("metrics"), "svm-auc", Some(&to_fixed(curves.macro_auc, 4)));
    CURVES.with_borrow_mut(|c| c.svm = Some(curves));
    by_id::<HtmlSelectElement>("curves-classifier").set_value("svm");
    redraw();
}

/// Draws the chosen classifier's curves and fills the table (also after a resize).
pub fn redraw() {
    let svm = by_id::<HtmlSelectElement>("curves-classifier").value() == "svm";
    CURVES.with_borrow(|c| {
        let Some(cnn) = &c.cnn else { return };
        let shown = if svm { c.svm.as_ref().unwrap_or(cnn) } else { cnn };
        let chance =
            Series { label: String::new(), colour: (150, 150, 160), points: vec![(0.0, 0.0), (1.0, 1.0)], faint: true };
        let mut roc = vec![chance];
        roc.extend(class_series(&shown.roc));
        let roc_axes = Axes {
            name: "ROC chart",
            x: (0.0, 1.0),
            y: (0.0, 1.0),
            x_title: "false positive rate (share of the other classes let in)".into(),
            y_title: "true positive rate (recall)",
            legend_left: false,
        };
        let pr_axes = Axes {
            name: "precision-recall chart",
            x: (0.0, 1.0),
            y: (0.0, 1.0),
            x_title: "recall (share of the class found)".into(),
            y_title: "precision",
            legend_left: true,
        };
        for (id, axes, series) in [("roc-chart", roc_axes, roc), ("pr-chart", pr_axes, class_series(&shown.pr))] {
            if let Err(e) = draw_lines(&by_id(id), &axes, &series) {
                status::show_error(&e.to_string());
            }
        }
        fill_table(cnn, c.svm.as_ref());
    });
}

fn class_series(curves: &[Curve]) -> Vec<Series> {
    curves
        .iter()
        .zip(CLASS_NAMES)
        .zip(CLASS_COLOURS)
        .map(|((c, name), colour)| Series {
            label: name.split('/').next().unwrap_or(name).to_string(),
            colour,
            points: c.points.iter().map(|p| (f64::from(p[0]), f64::from(p[1]))).collect(),
            faint: false,
        })
        .collect()
}

/// Each class's ROC AUC and average precision, for both classifiers, and the macro averages.
fn fill_table(cnn: &OneVsRest, svm: Option<&OneVsRest>) {
    let cell = |v: Option<f64>, label: &str| {
        let text = v.filter(|v| v.is_finite()).map_or_else(|| "–".into(), |v| to_fixed(v, 4));
        format!("<td data-label=\"{label}\">{text}</td>")
    };
    // Class `i`'s area (the macro average for `None`), of the ROC or the PR curves.
    let area = |c: Option<&OneVsRest>, roc: bool, i: Option<usize>| -> Option<f64> {
        let c = c?;
        match i {
            Some(i) => Some(if roc { &c.roc } else { &c.pr }.get(i)?.area),
            None => Some(if roc { c.macro_auc } else { c.macro_ap }),
        }
    };
    let row = |name: &str, i: Option<usize>| {
        format!(
            "<tr><td>{name}</td>{}{}{}{}</tr>",
            cell(area(Some(cnn), true, i), "CNN AUC"),
            cell(area(svm, true, i), "CNN + SVM AUC"),
            cell(area(Some(cnn), false, i), "CNN AP"),
            cell(area(svm, false, i), "CNN + SVM AP"),
        )
    };
    let mut html: String = CLASS_NAMES.iter().enumerate().map(|(i, name)| row(name, Some(i))).collect();
    html.push_str(&row("Macro average", None));
    if let Ok(Some(body)) = el("auc-table").query_selector("tbody") {
        body.set_inner_html(&html);
    }
}
