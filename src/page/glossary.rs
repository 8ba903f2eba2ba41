//! The words' explanations ([`crate::glossary`]): each `[data-term]` on the page gets its line
//! as a tooltip, and "What the words mean" (`#glossary-list`) lists them all, for touch
//! screens, which show no tooltips.

use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

use super::dom::{create_text, document, el};
use crate::glossary::{TERMS, line};

pub fn init() {
    let list = el("glossary-list");
    for (_, word, text) in TERMS {
        let _ = list.append_with_node_2(&create_text("dt", word), &create_text("dd", text));
    }
    mark();
}

/// Gives every `[data-term]` on the page its line as a tooltip.
pub fn mark() {
    let Ok(found) = document().query_selector_all("[data-term]") else { return };
    for i in 0..found.length() {
        let Some(e) = found.item(i).and_then(|n| n.dyn_into::<HtmlElement>().ok()) else { continue };
        if let Some(text) = e.get_attribute("data-term").as_deref().and_then(line) {
            e.set_title(text);
            let _ = e.class_list().add_1("term");
        }
    }
}
