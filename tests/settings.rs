// Native tests; the browser suite is tests/web.rs.
#![cfg(not(target_arch = "wasm32"))]

use fashion_cnn::model::Arch;
use fashion_cnn::settings::*;
use fashion_cnn::svm::Kernel;

#[test]
fn defaults_without_query() {
    let s = Settings::from_query("").unwrap();
    assert_eq!(s, Settings::default());
    assert_eq!(s.train.arch, Arch::BnCnn);
    assert_eq!(s.data_url, "./data/");
    // The default run the README documents (CNN + SVM 0.93 on all 60,000 images).
    let t = &s.train;
    assert_eq!((t.epochs, t.batch_size, t.lr, t.warmup, t.smoothing), (6, 32, 0.002, 0.1, 0.1));
    assert!(t.lr_decay && !t.augment && !t.shift && t.weight_decay == 0.05);
}

#[test]
fn contract_parameters_parse() {
    let s = Settings::from_query(
        "?backend=cpu&model=none&autostart=1&arch=three-conv&epochs=2&batch=128&lr=0.005&augment=1\
         &svm_lambda=0.0001&train_limit=2000&test_limit=1000&data=http%3A%2F%2Fhost%2Fd&extra=x",
    )
    .unwrap();
    assert_eq!(s.backend, BackendChoice::Cpu);
    assert_eq!(s.model, ModelChoice::None);
    assert!(s.autostart);
    assert_eq!(s.train.arch, Arch::ThreeConv);
    assert_eq!((s.train.epochs, s.train.batch_size, s.train.lr), (2, 128, 0.005));
    assert!(s.train.augment);
    assert_eq!(s.svm.lambda, Some(0.0001));
    assert_eq!((s.train.train_limit, s.train.test_limit), (Some(2000), Some(1000)));
    assert_eq!(s.data_url, "http://host/d/");
    assert_eq!(Settings::from_query("sketch_aug=0.4").unwrap().train.sketch_aug, 0.4);
    let t = Settings::from_query("warmup=0.2&smoothing=0.05&wd=0.01&shift=1").unwrap().train;
    assert_eq!((t.warmup, t.smoothing, t.weight_decay, t.shift), (0.2, 0.05, 0.01, true));
}

#[test]
fn bad_values_are_errors_that_name_the_problem() {
    for (q, needle) in [
        ("backend=cuda", "unknown backend \"cuda\""),
        ("arch=resnet", "unknown architecture \"resnet\""),
        ("epochs=0", "epochs must be at least 1"),
        ("batch=abc", "batch=\"abc\" is not a whole number"),
        ("lr=-1", "lr must be"),
        ("lr=NaN", "lr must be"),
        ("augment=maybe", "augment"),
        ("model=big", "unknown model"),
        ("data=", "data= needs a URL"),
        ("train_limit=%ZZ", "train_limit"),
        ("svm_kernel=poly", "unknown svm_kernel \"poly\""),
        ("svm_lambda=0", "svm_lambda must be"),
        ("svm_dim=100000", "svm_dim must be at most 8192"),
        ("svm_gamma=-2", "svm_gamma must be"),
        ("sketch_aug=1.5", "sketch_aug must be between 0 and 1"),
        ("sketch_aug=NaN", "sketch_aug must be between 0 and 1"),
        ("lr_decay=2", "lr_decay"),
        ("warmup=0.9", "warmup must be between 0 and 0.5"),
        ("smoothing=-0.1", "smoothing must be between 0 and 0.5"),
        ("wd=2", "wd must be between 0 and 1"),
        ("shift=yes", "shift"),
    ] {
        let err = Settings::from_query(q).unwrap_err().to_string();
        assert!(err.contains(needle), "{q}: {err}");
    }
}

#[test]
fn svm_settings_parse_in_any_order() {
    let s = Settings::from_query("svm_gamma=0.5&svm_kernel=rbf&svm_dim=256&svm_epochs=7&svm_average=0&seed=9").unwrap();
    assert_eq!(s.svm.kernel, Kernel::Rbf { dim: 256, gamma: 0.5 });
    assert_eq!((s.svm.pegasos.epochs, s.svm.pegasos.average, s.svm.pegasos.seed), (7, false, 9));
    assert_eq!(s.svm.lambda, None, "λ is searched unless given");
    let s = Settings::from_query("svm_kernel=linear&svm_dim=256").unwrap();
    assert_eq!(s.svm.kernel, Kernel::Linear);
    assert_eq!(
        Settings::default().svm.kernel,
        Kernel::Rbf { dim: Kernel::DEFAULT_RBF_DIM, gamma: Kernel::DEFAULT_GAMMA }
    );
    assert!(Settings::default().train.lr_decay);
    assert!(!Settings::from_query("lr_decay=0").unwrap().train.lr_decay);
}

#[test]
fn arch_names_round_trip() {
    for a in Arch::ALL {
        assert_eq!(a.name().parse::<Arch>().unwrap(), a);
    }
}

/// The page's parse: a bad value is named and left at its default, the good ones are taken,
/// and nothing of a refused value stays behind (batch is assigned before its limit is checked).
#[test]
fn the_page_takes_the_good_parameters_and_names_the_bad_ones() {
    let (s, refused) = Settings::from_query_lenient("?epochs=abc&arch=three-conv&batch=5000&svm_kernel=poly&lr=0.01");
    let default = Settings::default();
    assert_eq!(s.train.arch, fashion_cnn::arch::Arch::ThreeConv);
    assert_eq!(s.train.lr, 0.01);
    assert_eq!(
        (s.train.epochs, s.train.batch_size, s.svm.kernel),
        (default.train.epochs, default.train.batch_size, default.svm.kernel)
    );
    let keys: Vec<_> = refused.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(keys, ["epochs", "batch", "svm_kernel"]);
    assert_eq!(
        refused[0].ignored(),
        "URL parameter ignored: epochs=\"abc\" is not a whole number. The default, epochs=6, is used."
    );
    assert_eq!(
        refused[2].ignored(),
        "URL parameter ignored: unknown svm_kernel \"poly\": use rbf or linear. The default, svm_kernel=rbf, is used."
    );
    // A setting with no default value in the query (the λ search) says so plainly.
    let (_, refused) = Settings::from_query_lenient("svm_lambda=-1");
    assert_eq!(
        refused[0].ignored(),
        "URL parameter ignored: svm_lambda must be a number above 0 and at most 1000. The default is used."
    );
    // The page's one message names them all, and says nothing when all were taken.
    let all = fashion_cnn::settings::SettingError::all_ignored(&refused).unwrap();
    assert_eq!(all, refused[0].ignored());
    let (_, two) = Settings::from_query_lenient("epochs=abc&batch=0");
    let both = fashion_cnn::settings::SettingError::all_ignored(&two).unwrap();
    assert_eq!(both, format!("{} {}", two[0].ignored(), two[1].ignored()));
    assert_eq!(fashion_cnn::settings::SettingError::all_ignored(&[]), None);
    // The strict parse stops at the first.
    assert_eq!(Settings::from_query("epochs=abc&batch=5000").unwrap_err().key, "epochs");
}

/// The form's values under `preset` as a query, the way the page sends them.
fn preset_query(preset: &Preset) -> String {
    FORM.iter()
        .map(|f| (f.key, preset.value(f.key)))
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

#[test]
fn presets_are_whole_runs_the_parser_accepts() {
    let quick = PRESETS.iter().find(|p| p.key == "quick").unwrap();
    let full = PRESETS.iter().find(|p| p.key == "full").unwrap();
    for p in PRESETS {
        assert!(
            p.values.iter().all(|(k, _)| FORM.iter().any(|f| f.key == *k)),
            "{} names a field the form lacks",
            p.key
        );
        assert!(p.label.contains('~'), "{}: the label says how long it takes", p.key);
    }
    let q = Settings::from_query(&preset_query(quick)).unwrap();
    assert_eq!((q.train.epochs, q.train.train_limit, q.train.test_limit), (1, Some(6000), Some(2000)));
    // Full is the default run, so a fresh page shows it chosen.
    assert_eq!(Settings::from_query(&preset_query(full)).unwrap(), Settings::default());
    let defaults = |k: &str| Settings::default().form_value(k);
    assert!(full.matches(defaults) && !quick.matches(defaults));
    // A preset resets the fields it does not name: Quick after a changed λ is Quick.
    assert_eq!(quick.value("svm_lambda"), "");
    let edited = |k: &str| if k == "batch" { "64".to_string() } else { quick.value(k) };
    assert!(!quick.matches(edited), "an edit leaves the preset");
}

#[test]
fn advanced_settings_are_noticed_in_the_url() {
    assert!(!Settings::from_query("epochs=2&arch=one-conv").unwrap().has_advanced());
    assert!(Settings::from_query("lr=0.01").unwrap().has_advanced());
    assert!(Settings::from_query("svm_kernel=linear").unwrap().has_advanced());
    assert!(FORM.iter().filter(|f| !f.advanced).map(|f| f.key).eq(["arch", "epochs"]));
}

#[test]
fn every_term_the_page_marks_has_its_line() {
    use fashion_cnn::glossary::{TERMS, line};
    let html = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/index.html")).unwrap();
    let marked: Vec<&str> = html.split("data-term=\"").skip(1).map(|rest| rest.split('"').next().unwrap()).collect();
    assert!(marked.len() >= 10, "{marked:?}");
    for key in &marked {
        assert!(line(key).is_some(), "index.html marks \"{key}\", which the glossary lacks");
    }
    // The list of words a learner meets, each with a line.
    for key in [
        "epoch",
        "batch",
        "learning-rate",
        "svm",
        "lambda",
        "rbf",
        "fourier",
        "occlusion",
        "precision",
        "recall",
        "f1",
        "support",
    ] {
        assert!(line(key).is_some_and(|l| l.len() > 30), "{key}");
    }
    let mut keys: Vec<&str> = TERMS.iter().map(|t| t.0).collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), TERMS.len(), "a term twice");
}
