//! The model summary (`#model-summary`): a Keras-style table of the architecture chosen in the
//! form, redrawn when the choice changes. Its numbers come from [`crate::summary`], which a
//! native test holds to the networks Burn builds.

use web_sys::HtmlSelectElement;

use super::dom::{by_id, el, on, set_data};
use crate::arch::Arch;
use crate::summary::{Row, summary, total_params};
use crate::view::format::thousands;

pub fn init() {
    on::<web_sys::Event>("arch", "change", |_| show());
    show();
}

/// The form's architecture (the default when the form is not built yet).
fn chosen() -> Arch {
    by_id::<HtmlSelectElement>("arch").value().parse().unwrap_or_default()
}

pub fn show() {
    let arch = chosen();
    let rows = summary(arch);
    let body: String = rows.iter().map(row_html).collect();
    let trained: usize = rows.iter().map(|r| r.params).sum();
    let total = total_params(arch);
    let table = el("model-summary");
    set_data(&table, "arch", Some(arch.name()));
    set_data(&table, "total-params", Some(&total.to_string()));
    if let Ok(Some(b)) = table.query_selector("tbody") {
        b.set_inner_html(&body);
    }
    let mut foot =
        format!("<tr><th>Total</th><td></td><td data-label=\"Parameters\">{}</td></tr>", thousands(total as u64));
    if total > trained {
        foot.push_str(&format!(
            "<tr><td colspan=\"3\" class=\"note\">{} trained, and {} batch-norm statistics (running means and variances), kept but not trained</td></tr>",
            thousands(trained as u64),
            thousands((total - trained) as u64)
        ));
    }
    if let Ok(Some(f)) = table.query_selector("tfoot") {
        f.set_inner_html(&foot);
    }
}

fn row_html(r: &Row) -> String {
    format!(
        "<tr><td>{}</td><td data-label=\"Output shape\">{}</td><td data-label=\"Parameters\">{}</td></tr>",
        r.name(),
        r.shape(),
        thousands(r.params as u64)
    )
}
