//! Classes of one's own (`#class-name`, `#add-example-button`, `#fit-classes-button`,
//! `#custom-classes[data-names][data-counts]`): the picture on the pad (a drawing, an upload
//! or a camera frame) becomes an example of the named class; Fit refits the SVM with these
//! classes beside the ten, and the pad then answers with them too. The worker keeps the
//! examples with the model, so they travel in its file and its IndexedDB copy.

use std::cell::RefCell;

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlButtonElement, HtmlInputElement, MouseEvent};

use super::dom::{by_id, create, create_text, el, on, set_data, set_text};
use super::status::{self, show_error};
use super::{link, pad};
use crate::custom::{ClassError, clean_name};
use crate::dataset::{CLASS_NAMES, NUM_CLASSES};
use crate::protocol::{Bulk, ClassesFitted, ToWorker};
use crate::view::format::{pct, thousands, to_fixed};

thread_local! {
    /// The names of the classes of one's own, class `NUM_CLASSES + k` first.
    static NAMES: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    /// A fit is with the worker: it holds the device, so a run cannot start meanwhile.
    static FITTING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether a fit is going on (Train waits for it).
pub fn is_fitting() -> bool {
    FITTING.get()
}

/// Class `class`'s name: one of the ten, or one of one's own.
pub fn name_of(class: usize) -> String {
    match CLASS_NAMES.get(class) {
        Some(n) => (*n).to_string(),
        None => NAMES.with_borrow(|n| n.get(class - NUM_CLASSES).cloned()).unwrap_or_else(|| "?".into()),
    }
}

pub fn init() {
    on::<web_sys::Event>("add-example-button", "click", |_| add_example());
    on::<web_sys::Event>("fit-classes-button", "click", |_| fit());
    on::<MouseEvent>("custom-classes", "click", |e| {
        let button =
            e.target().and_then(|t| t.dyn_into::<Element>().ok()).and_then(|t| t.closest("button").ok().flatten());
        if let Some(name) = button.and_then(|b| b.get_attribute("data-remove")) {
            link::post(ToWorker::RemoveClass { name });
        }
    });
    show(&[], &[], false);
}

fn refuse(e: &ClassError) {
    note(&e.to_string());
    show_error(&e.to_string());
}

fn note(text: &str) {
    set_text("classes-note", text);
}

fn add_example() {
    let name = by_id::<HtmlInputElement>("class-name").value();
    if let Err(e) = clean_name(&name) {
        return refuse(&e);
    }
    let Some((width, height, rgba, as_is)) = pad::current_picture() else {
        return refuse(&ClassError::EmptyPicture);
    };
    show_error("");
    link::post(ToWorker::AddExample { name, width, height, rgba: Bulk(rgba), as_is });
}

fn fit() {
    if status::is_running() {
        return note("A run is going on: fit your classes once it is over.");
    }
    show_error("");
    let named = by_id::<HtmlInputElement>("class-name").value();
    note("Fitting the SVM with your classes beside the ten…");
    by_id::<HtmlButtonElement>("fit-classes-button").set_disabled(true);
    FITTING.set(true);
    link::post(ToWorker::FitClasses { named });
}

/// The worker's list of classes of one's own: names, example counts, and whether the SVM in
/// use knows them all (else Fit is due).
pub fn show(names: &[String], counts: &[u32], fitted: bool) {
    NAMES.set(names.to_vec());
    let e = el("custom-classes");
    set_data(&e, "names", Some(&names.join(",")));
    set_data(&e, "counts", Some(&counts.iter().map(u32::to_string).collect::<Vec<_>>().join(",")));
    set_data(&e, "fitted", Some(if fitted { "1" } else { "0" }));
    e.replace_children_with_node_0();
    for (name, count) in names.iter().zip(counts) {
        let item: web_sys::HtmlElement = create("li");
        let examples = if *count == 1 { "1 example".to_string() } else { format!("{count} examples") };
        let _ = item.append_with_node_1(&create_text("span", &format!("{name}: {examples} ")));
        let remove: HtmlButtonElement = create("button");
        remove.set_type("button");
        remove.set_class_name("small");
        remove.set_text_content(Some("Remove"));
        let _ = remove.set_attribute("data-remove", name);
        let _ = remove.set_attribute("aria-label", &format!("Remove the class {name}"));
        let _ = item.append_child(&remove);
        let _ = e.append_child(&item);
    }
    by_id::<HtmlButtonElement>("fit-classes-button").set_disabled(false);
    if names.is_empty() {
        let _ = e.append_child(&create_text("li", "None yet."));
    } else if !fitted {
        note("Press Fit to teach the SVM these classes.");
    }
}

/// A problem the worker found with an example or a fit.
pub fn on_error(message: &str) {
    FITTING.set(false);
    by_id::<HtmlButtonElement>("fit-classes-button").set_disabled(false);
    note(message);
    show_error(message);
}

pub fn on_progress(done: u32, total: u32) {
    note(&format!("Fitting: the CNN's features of {} of {} images…", thousands(done), thousands(total)));
}

/// The refit is done: the ten classes' test accuracy before and after, and how long it took.
pub fn on_fitted(f: &ClassesFitted) {
    FITTING.set(false);
    let e = el("custom-classes");
    set_data(&e, "accuracy-before", Some(&to_fixed(f.before, 4)));
    set_data(&e, "accuracy-after", Some(&to_fixed(f.after, 4)));
    let before = format!("{} before", pct(f.before));
    note(&format!(
        "Fitted in {} s on {} training images and {} examples (with shifted copies). The ten classes' test accuracy (CNN + SVM, {} test images): {}, {} after. Draw on the pad: it answers with your classes too.",
        to_fixed(f.seconds, 1),
        thousands(f.train_images),
        thousands(f.examples),
        thousands(f.test_images),
        before,
        pct(f.after)
    ));
}
