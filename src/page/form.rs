//! The training form, built from [`crate::settings::FORM`] (keys, labels, limits and help
//! live there only) and read back into a query for the worker: the presets
//! ([`crate::settings::PRESETS`]) first, the model and epochs beside them, the rest under
//! "Advanced" (open when the URL sets any of it).

use wasm_bindgen::JsCast;
use web_sys::{
    Element, HtmlButtonElement, HtmlElement, HtmlInputElement, HtmlOptionElement, HtmlSelectElement, UrlSearchParams,
};

use super::dom::{by_id, create, create_text, document, el, listen, on, set_text, window};
use crate::arch::Arch;
use crate::settings::{FORM, Field, FieldKind, PRESETS, Preset, Settings};

/// Fills `#settings` with the presets and one labelled control per field, holding
/// `settings`' values.
pub fn build(settings: &Settings) {
    let form = el("settings");
    form.set_inner_html("");
    let _ = form.append_child(&presets());
    let advanced: HtmlElement = create("details");
    advanced.set_id("advanced");
    let _ = advanced.append_child(&create_text("summary", "Advanced: batch, learning rate, images, augmentation, SVM"));
    let inner: HtmlElement = create("div");
    inner.set_class_name("settings");
    let _ = advanced.append_child(&inner);
    for field in FORM {
        let host: &Element = if field.advanced { &inner } else { &form };
        let _ = host.append_child(&control(field, &settings.form_value(field.key)));
    }
    let _ = form.append_child(&advanced);
    if settings.has_advanced() {
        let _ = advanced.set_attribute("open", "");
    }
    on::<web_sys::Event>("svm_kernel", "change", |_| sync_kernel_fields());
    on::<web_sys::Event>("settings", "input", |_| sync_presets());
    on::<web_sys::Event>("settings", "change", |_| sync_presets());
    sync_kernel_fields();
    sync_presets();
}

fn preset_id(preset: &Preset) -> String {
    format!("preset-{}", preset.key)
}

/// A button per preset, and the line saying what the chosen one does.
fn presets() -> Element {
    let group: HtmlElement = create("div");
    group.set_class_name("presets");
    let _ = group.set_attribute("role", "group");
    let _ = group.set_attribute("aria-label", "Presets");
    for preset in PRESETS {
        let button: HtmlButtonElement = create("button");
        button.set_type("button");
        button.set_class_name("small preset");
        button.set_id(&preset_id(preset));
        button.set_name("preset");
        button.set_text_content(Some(preset.label));
        button.set_title(preset.about);
        listen::<web_sys::Event>(&button, "click", move |_| apply(preset));
        let _ = group.append_child(&button);
    }
    let _ = group.append_child(&create_text("span", ""));
    group.last_element_child().expect("the note").set_id("preset-note");
    group.into()
}

/// Sets every field to `preset`'s value.
fn apply(preset: &Preset) {
    for field in FORM {
        let value = preset.value(field.key);
        match field.kind {
            FieldKind::Flag => by_id::<HtmlInputElement>(field.key).set_checked(value == "1"),
            FieldKind::Choice(_) => by_id::<HtmlSelectElement>(field.key).set_value(&value),
            _ => by_id::<HtmlInputElement>(field.key).set_value(&value),
        }
    }
    sync_kernel_fields();
    sync_presets();
}

/// The field's value as [`Settings::form_value`] writes it.
fn current(field: &Field) -> String {
    match field.kind {
        FieldKind::Flag => if by_id::<HtmlInputElement>(field.key).checked() { "1" } else { "0" }.to_string(),
        FieldKind::Choice(_) => by_id::<HtmlSelectElement>(field.key).value(),
        _ => by_id::<HtmlInputElement>(field.key).value().trim().to_string(),
    }
}

/// Marks the preset the form holds (none: custom settings) and says what it does.
fn sync_presets() {
    let chosen =
        PRESETS.iter().find(|p| p.matches(|key| FORM.iter().find(|f| f.key == key).map(current).unwrap_or_default()));
    for preset in PRESETS {
        let pressed = chosen.is_some_and(|c| c.key == preset.key);
        let _ = el(&preset_id(preset)).set_attribute("aria-pressed", if pressed { "true" } else { "false" });
    }
    set_text("preset-note", chosen.map_or("Custom settings.", |p| p.about));
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
    if let Some(b) = node.dyn_ref::<HtmlButtonElement>() {
        b.set_disabled(disabled);
    } else if let Some(i) = node.dyn_ref::<HtmlInputElement>() {
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
