//! The training form, built from [`crate::settings::FORM`] (keys, labels, limits and help
//! live there only) and read back into a query for the worker.

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, HtmlInputElement, HtmlOptionElement, HtmlSelectElement, UrlSearchParams};

use super::dom::{by_id, create, document, el, on, window};
use crate::arch::Arch;
use crate::settings::{FORM, Field, FieldKind, Settings};

/// Fills `#settings` with one labelled control per field, holding `settings`' values.
pub fn build(settings: &Settings) {
    let form = el("settings");
    form.set_inner_html("");
    for field in FORM {
        let _ = form.append_child(&control(field, &settings.form_value(field.key)));
    }
    on::<web_sys::Event>("svm_kernel", "change", |_| sync_kernel_fields());
    sync_kernel_fields();
}

fn control(field: &Field, value: &str) -> Element {
    let label: HtmlElement = create("label");
    label.set_title(field.help);
    match field.kind {
        FieldKind::Choice(values) => {
            let _ = label.append_with_str_1(&format!("{} ", field.label));
            let select: HtmlSelectElement = create("select");
            for v in values {
                let option: HtmlOptionElement = create("option");
                option.set_value(v);
                let default = field.key == "arch" && *v == Arch::default().name();
                option.set_text(&format!("{v}{}", if default { " (default)" } else { "" }));
                let _ = select.append_child(&option);
            }
            select.set_id(field.key);
            select.set_name(field.key);
            select.set_value(value);
            let _ = label.append_child(&select);
        }
        FieldKind::Flag => {
            label.set_class_name("check");
            let input = input(field);
            input.set_type("checkbox");
            input.set_checked(value == "1");
            let _ = label.append_child(&input);
            let _ = label.append_with_str_1(&format!(" {}", field.label));
        }
        FieldKind::Whole { min, max } => {
            let input = number(field, &min.to_string(), &max.to_string(), "1");
            input.set_value(value);
            let _ = label.append_with_str_1(&format!("{} ", field.label));
            let _ = label.append_child(&input);
        }
        FieldKind::Real { min, max } => {
            let input = number(field, &min.to_string(), &max.to_string(), "any");
            input.set_value(value);
            let _ = label.append_with_str_1(&format!("{} ", field.label));
            let _ = label.append_child(&input);
        }
    }
    label.into()
}

fn input(field: &Field) -> HtmlInputElement {
    let input: HtmlInputElement = create("input");
    input.set_id(field.key);
    input.set_name(field.key);
    input
}

fn number(field: &Field, min: &str, max: &str, step: &str) -> HtmlInputElement {
    let input = input(field);
    input.set_type("number");
    input.set_min(min);
    input.set_max(max);
    input.set_step(step);
    if !field.placeholder.is_empty() {
        input.set_placeholder(field.placeholder);
    }
    input
}

/// Locks the form while a run goes on: the run keeps the values it started with.
pub fn lock(running: bool) {
    let Some(form) = document().get_element_by_id("settings") else { return };
    let controls = form.query_selector_all("[name]").ok();
    for i in 0..controls.as_ref().map_or(0, |c| c.length()) {
        let Some(node) = controls.as_ref().and_then(|c| c.item(i)) else { continue };
        set_disabled(&node, running);
    }
    sync_kernel_fields();
}

fn set_disabled(node: &web_sys::Node, disabled: bool) {
    if let Some(i) = node.dyn_ref::<HtmlInputElement>() {
        i.set_disabled(disabled);
    } else if let Some(s) = node.dyn_ref::<HtmlSelectElement>() {
        s.set_disabled(disabled);
    }
}

/// The Fourier dimension and γ only mean something for the RBF kernel.
fn sync_kernel_fields() {
    let Some(kernel) = document().get_element_by_id("svm_kernel") else { return };
    let rbf = kernel.unchecked_into::<HtmlSelectElement>().value() == "rbf";
    let running = super::status::is_running();
    for key in ["svm_dim", "svm_gamma"] {
        if let Some(e) = document().get_element_by_id(key) {
            set_disabled(&e, !rbf || running);
        }
    }
}

/// The form's values over the page's URL parameters, so settings the form does not show
/// (lr_decay, seed, svm_epochs, ...) still apply to runs started with the Train button. Read
/// before the form is locked for the run.
pub fn query() -> String {
    let search = window().location().search().unwrap_or_default();
    let q = UrlSearchParams::new_with_str(&search).unwrap_or_else(|_| UrlSearchParams::new().expect("empty params"));
    for field in FORM {
        let value = match field.kind {
            FieldKind::Flag => Some(if by_id::<HtmlInputElement>(field.key).checked() { "1" } else { "0" }.to_string()),
            FieldKind::Choice(_) => enabled_value(&by_id::<HtmlSelectElement>(field.key)),
            _ => enabled_value(&by_id::<HtmlInputElement>(field.key)),
        };
        match value {
            Some(v) => q.set(field.key, &v),
            None => q.delete(field.key),
        }
    }
    String::from(q.to_string())
}

/// A control's trimmed value, unless it is empty or disabled.
fn enabled_value(control: &impl FormControl) -> Option<String> {
    let v = control.current().trim().to_string();
    (!v.is_empty() && !control.off()).then_some(v)
}

trait FormControl {
    fn current(&self) -> String;
    fn off(&self) -> bool;
}

impl FormControl for HtmlInputElement {
    fn current(&self) -> String {
        self.value()
    }
    fn off(&self) -> bool {
        self.disabled()
    }
}

impl FormControl for HtmlSelectElement {
    fn current(&self) -> String {
        self.value()
    }
    fn off(&self) -> bool {
        self.disabled()
    }
}
