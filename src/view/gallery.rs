//! The test-image gallery: which images each filter shows (the fixed choices, or one cell of a
//! confusion matrix), the paging, and the tiles' captions.

/// Tiles per page.
pub const PAGE: usize = 24;

/// The choices of `#gallery-filter`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Filter {
    /// The final answers (CNN + SVM) that are wrong.
    SvmErrors,
    /// The CNN head's wrong answers.
    CnnErrors,
    /// Wrong for the CNN head, right with the SVM.
    Fixed,
    /// Right for the CNN head, wrong with the SVM.
    Broken,
    All,
    /// One cell of a confusion matrix: images of class `truth` that a classifier (the SVM's
    /// matrix or the CNN head's) called `predicted`.
    Pair {
        svm: bool,
        truth: u8,
        predicted: u8,
    },
}

impl Filter {
    pub const ALL: [Filter; 5] = [Filter::SvmErrors, Filter::CnnErrors, Filter::Fixed, Filter::Broken, Filter::All];

    /// The `<option>` value (a matrix cell's: `cnn:6:0`, `svm:6:0`).
    pub fn value(self) -> String {
        match self {
            Filter::SvmErrors => "svm-errors".into(),
            Filter::CnnErrors => "cnn-errors".into(),
            Filter::Fixed => "fixed".into(),
            Filter::Broken => "broken".into(),
            Filter::All => "all".into(),
            Filter::Pair { svm, truth, predicted } => {
                format!("{}:{truth}:{predicted}", if svm { "svm" } else { "cnn" })
            }
        }
    }

    pub fn from_value(value: &str) -> Option<Filter> {
        if let Some(f) = Filter::ALL.into_iter().find(|f| f.value() == value) {
            return Some(f);
        }
        let mut parts = value.split(':');
        let svm = match parts.next()? {
            "svm" => true,
            "cnn" => false,
            _ => return None,
        };
        let class = |p: Option<&str>| p?.parse::<u8>().ok().filter(|&c| usize::from(c) < crate::dataset::NUM_CLASSES);
        let (truth, predicted) = (class(parts.next())?, class(parts.next())?);
        parts.next().is_none().then_some(Filter::Pair { svm, truth, predicted })
    }

    /// A matrix cell's `<option>` text.
    pub fn label(self) -> String {
        match self {
            Filter::Pair { svm, truth, predicted } => format!(
                "true {}, predicted {} by {}",
                class_name(truth),
                class_name(predicted),
                if svm { "CNN + SVM" } else { "the CNN head" }
            ),
            other => other.value(),
        }
    }

    /// Whether the view holds right and wrong answers both: only then does a red frame tell
    /// the wrong ones apart (an errors view is all wrong).
    pub fn mixes(self) -> bool {
        self == Filter::All
    }

    /// Whether image `i` is shown. The SVM's filters show nothing before there is an SVM.
    fn keeps(self, truth: u8, cnn: u8, svm: Option<u8>) -> bool {
        match (self, svm) {
            (Filter::SvmErrors, Some(s)) => s != truth,
            (Filter::CnnErrors, _) => cnn != truth,
            (Filter::Fixed, Some(s)) => cnn != truth && s == truth,
            (Filter::Broken, Some(s)) => cnn == truth && s != truth,
            (Filter::All, _) => true,
            (Filter::Pair { svm: false, truth: t, predicted }, _) => truth == t && cnn == predicted,
            (Filter::Pair { svm: true, truth: t, predicted }, Some(s)) => truth == t && s == predicted,
            (_, None) => false,
        }
    }
}

/// The test images the filter shows, in order. `svm`: the SVM's answers, once fitted.
pub fn indices(filter: Filter, labels: &[u8], cnn: &[u8], svm: Option<&[u8]>) -> Vec<usize> {
    let answer = |answers: &[u8], i: usize| answers.get(i).copied();
    (0..labels.len())
        .filter(|&i| {
            let Some(c) = answer(cnn, i) else { return filter == Filter::All };
            let s = svm.and_then(|s| answer(s, i));
            filter.keeps(labels[i], c, s)
        })
        .collect()
}

/// Pages for `count` images: at least one, so an empty filter has "page 1 of 1".
pub fn page_count(count: usize) -> usize {
    count.div_ceil(PAGE).max(1)
}

/// `page` (0-based) kept within the pages there are.
pub fn clamp_page(page: usize, count: usize) -> usize {
    page.min(page_count(count) - 1)
}

/// The slice of `indices` on `page` (0-based, clamped).
pub fn page_items(indices: &[usize], page: usize) -> &[usize] {
    let start = clamp_page(page, indices.len()) * PAGE;
    &indices[start.min(indices.len())..(start + PAGE).min(indices.len())]
}

/// The line under the gallery: `1,234 images; page 2 of 52`, or that there are none.
pub fn page_text(count: usize, page: usize) -> String {
    if count == 0 {
        return "No images of this kind.".into();
    }
    let total = super::format::thousands(count as i64);
    format!("{total} images; page {} of {}", clamp_page(page, count) + 1, page_count(count))
}

fn class_name(class: u8) -> &'static str {
    crate::dataset::CLASS_NAMES.get(usize::from(class)).copied().unwrap_or("?")
}

/// Whether the final answer (the SVM's once there is one, else the CNN's) is wrong.
pub fn is_wrong(truth: u8, cnn: u8, svm: Option<u8>) -> bool {
    svm.unwrap_or(cnn) != truth
}

/// The tile's accessible name.
pub fn tile_label(index: usize, truth: u8) -> String {
    format!("test image {index}, a {}", class_name(truth))
}

/// The tile's caption (HTML): the true class, then each classifier's answer marked right or
/// wrong, the CNN's with its probability.
pub fn caption_html(index: usize, truth: u8, cnn: u8, svm: Option<u8>, confidence: Option<f32>) -> String {
    let verdict = |p: u8| {
        let (class, mark) = if p == truth { ("ok", " ✓") } else { ("bad", " ✗") };
        format!("<span class=\"{class}\">{}{mark}</span>", class_name(p))
    };
    let sure =
        confidence.map_or_else(String::new, |c| format!(" {} %", super::format::to_fixed(100.0 * f64::from(c), 0)));
    let svm = svm.map_or_else(String::new, |s| format!("<br>SVM: {}", verdict(s)));
    format!("#{index}: <b>{}</b><br>CNN: {}{sure}{svm}", class_name(truth), verdict(cnn))
}
