//! One line for every term a learner meets on the page, written once: the form's tooltips,
//! the `title` of each `[data-term]` on the page and the "What the words mean" list all come
//! from here.

pub const EPOCH: &str = "One pass over all the training images. More epochs learn more, and take longer.";
pub const BATCH: &str =
    "How many images the network looks at before each adjustment of its weights (one training step).";
pub const LEARNING_RATE: &str =
    "How big each adjustment of the weights is: too small learns slowly, too large makes training diverge.";
pub const SVM: &str = "Support vector machine: a second classifier, fitted on the features the CNN extracts (its last \
                       hidden layer), that puts the widest possible margin between the classes.";
pub const LAMBDA: &str = "The SVM's regularisation: a larger λ prefers simpler, wider-margin boundaries to fitting \
                          every training image. Left empty, it is chosen on held-out training images.";
pub const RBF: &str = "Radial basis function kernel: lets the SVM draw curved boundaries by comparing images by their \
                       distance in feature space; γ sets how near counts as alike.";
pub const FOURIER: &str = "Random cosine features that approximate the RBF kernel, so the SVM stays a fast linear one. \
                           More features: a closer approximation and a slower fit.";
pub const OCCLUSION: &str = "Hiding one patch of the picture at a time and measuring how much the answer drops: red \
                             marks the parts the answer depends on.";
pub const PRECISION: &str = "Of the test images the model called this class, the share that really are.";
pub const RECALL: &str = "Of the test images that really are this class, the share the model found.";
pub const F1: &str = "The harmonic mean of precision and recall: high only when both are.";
pub const SUPPORT: &str = "How many test images of this class there are.";
pub const MARGIN: &str = "The SVM's score for a class: above 0 it says \"this class\", below 0 \"not this class\"; \
                          the further from 0, the surer.";
pub const CONFUSION: &str = "True class (rows) against predicted class (columns): the diagonal is right, every other \
                             cell a confusion. Click a cell to see its images.";
pub const HELD_OUT: &str = "Images the model is not trained on (here the first test images): accuracy on them shows \
                            how well it does on images it has never seen.";
pub const AUGMENT: &str = "Random shifts and mirror images of the training images, so the model learns the item rather \
                           than its exact place.";
pub const SIMILARITY: &str = "How alike two images look to the CNN: the cosine of their features, 1 for the same \
                              direction, 0 for unrelated.";

/// The terms, in the order the list shows them: the `data-term` key, the word as shown, and
/// its line.
pub const TERMS: &[(&str, &str, &str)] = &[
    ("epoch", "Epoch", EPOCH),
    ("batch", "Batch", BATCH),
    ("learning-rate", "Learning rate", LEARNING_RATE),
    ("augment", "Augmentation", AUGMENT),
    ("held-out", "Held-out images", HELD_OUT),
    ("svm", "SVM", SVM),
    ("lambda", "λ (lambda)", LAMBDA),
    ("rbf", "RBF kernel", RBF),
    ("fourier", "Fourier features", FOURIER),
    ("margin", "Margin", MARGIN),
    ("occlusion", "Occlusion", OCCLUSION),
    ("similarity", "Similarity", SIMILARITY),
    ("precision", "Precision", PRECISION),
    ("recall", "Recall", RECALL),
    ("f1", "F1", F1),
    ("support", "Support", SUPPORT),
    ("confusion", "Confusion matrix", CONFUSION),
];

/// The line of the term with key `key`.
pub fn line(key: &str) -> Option<&'static str> {
    TERMS.iter().find(|t| t.0 == key).map(|t| t.2)
}
