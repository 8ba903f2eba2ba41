//! Classes of one's own, taught with the report's own method: the CNN stays as it is (frozen),
//! and the SVM on its features is refitted with the new classes beside the ten. A class is a
//! name and its examples (28×28 images, as the model sees them); the examples, not their
//! features, are what is kept, so the classes can be refitted on another model.

use std::fmt;

use crate::dataset::{CLASS_NAMES, IMAGE_PIXELS, IMAGE_SIDE, NUM_CLASSES};

/// Classes of one's own at most, beside the ten.
pub const MAX_CLASSES: usize = 10;
/// Examples per class at most.
pub const MAX_EXAMPLES: usize = 200;
pub const MAX_NAME_CHARS: usize = 40;
/// Each example is also shown to the SVM shifted by up to this many pixels each way, so a
/// handful of drawings stands for the small displacements a new drawing has.
pub const SHIFT: i32 = 2;

/// One class of one's own.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CustomClass {
    pub name: String,
    /// Its examples, 28×28 each, one after another.
    pub images: Vec<u8>,
}

impl CustomClass {
    pub fn count(&self) -> usize {
        self.images.len() / IMAGE_PIXELS
    }
}

/// Why a class or an example was refused.
#[derive(Clone, Debug, PartialEq)]
pub enum ClassError {
    EmptyName,
    NameTooLong,
    /// Commas separate the names in `#custom-classes[data-names]`.
    Comma,
    /// One of the ten's names.
    Builtin(String),
    TooManyClasses,
    TooManyExamples(String),
    /// Fit asked for with a named class that has no examples.
    NoExamples(String),
    NoClasses,
    EmptyPicture,
}

impl fmt::Display for ClassError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClassError::EmptyName => write!(f, "Give the class a name first (the box beside Add example)."),
            ClassError::NameTooLong => write!(f, "That name is too long: at most {MAX_NAME_CHARS} characters."),
            ClassError::Comma => write!(f, "A class name cannot contain a comma."),
            ClassError::Builtin(name) => write!(
                f,
                "\"{name}\" is already one of the ten classes: give your class another name, or draw it to see how the model reads it."
            ),
            ClassError::TooManyClasses => {
                write!(f, "At most {MAX_CLASSES} classes of your own: remove one before adding another.")
            }
            ClassError::TooManyExamples(name) => {
                write!(f, "\"{name}\" has {MAX_EXAMPLES} examples, the most a class can have.")
            }
            ClassError::NoExamples(name) => write!(
                f,
                "\"{name}\" has no examples yet: draw one (or choose a picture, or start the camera) and press Add example, then Fit."
            ),
            ClassError::NoClasses => {
                write!(f, "There are no classes of your own to fit yet: name one, add examples, then press Fit.")
            }
            ClassError::EmptyPicture => {
                write!(f, "There is nothing on the pad to add: draw an example (or choose a picture) first.")
            }
        }
    }
}

impl std::error::Error for ClassError {}

/// `name` trimmed, its inner runs of spaces made one.
fn tidy(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `name` tidied, or why it cannot be a class's name.
pub fn clean_name(name: &str) -> Result<String, ClassError> {
    let name = tidy(name);
    if name.is_empty() {
        return Err(ClassError::EmptyName);
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(ClassError::NameTooLong);
    }
    if name.contains(',') {
        return Err(ClassError::Comma);
    }
    if let Some(builtin) = CLASS_NAMES.iter().find(|b| b.eq_ignore_ascii_case(&name)) {
        return Err(ClassError::Builtin((*builtin).to_string()));
    }
    Ok(name)
}

/// The classes of one's own, in the order they were made: class `NUM_CLASSES + k` is the
/// `k`-th.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CustomClasses {
    pub classes: Vec<CustomClass>,
}

impl CustomClasses {
    fn find(&self, name: &str) -> Option<usize> {
        self.classes.iter().position(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// Adds `image` (28×28) to the class called `name`, made if it is new.
    pub fn add_example(&mut self, name: &str, image: &[u8]) -> Result<(), ClassError> {
        let name = clean_name(name)?;
        if image.len() != IMAGE_PIXELS || image.iter().all(|&p| p == 0) {
            return Err(ClassError::EmptyPicture);
        }
        let k = match self.find(&name) {
            Some(k) => k,
            None if self.classes.len() >= MAX_CLASSES => return Err(ClassError::TooManyClasses),
            None => {
                self.classes.push(CustomClass { name, images: Vec::new() });
                self.classes.len() - 1
            }
        };
        let class = &mut self.classes[k];
        if class.count() >= MAX_EXAMPLES {
            return Err(ClassError::TooManyExamples(class.name.clone()));
        }
        class.images.extend_from_slice(image);
        Ok(())
    }

    /// Removes the class called `name`; returns its index among the classes of one's own.
    pub fn remove(&mut self, name: &str) -> Option<usize> {
        let k = self.find(name)?;
        self.classes.remove(k);
        Some(k)
    }

    pub fn names(&self) -> Vec<String> {
        self.classes.iter().map(|c| c.name.clone()).collect()
    }

    pub fn counts(&self) -> Vec<u32> {
        self.classes.iter().map(|c| c.count() as u32).collect()
    }

    /// Whether a fit can go ahead; `named`: the class named in the form, if any.
    pub fn check_fit(&self, named: &str) -> Result<(), ClassError> {
        let named = tidy(named);
        if !named.is_empty() && clean_name(&named).is_ok() && self.find(&named).is_none() {
            return Err(ClassError::NoExamples(named));
        }
        if self.classes.is_empty() {
            return Err(ClassError::NoClasses);
        }
        Ok(())
    }

    /// Every example and its shifted copies, with their labels (`NUM_CLASSES + k`).
    pub fn training_images(&self) -> (Vec<u8>, Vec<u8>) {
        let (mut images, mut labels) = (Vec::new(), Vec::new());
        for (k, class) in self.classes.iter().enumerate() {
            for image in class.images.chunks_exact(IMAGE_PIXELS) {
                for dy in -SHIFT..=SHIFT {
                    for dx in -SHIFT..=SHIFT {
                        images.extend(shifted(image, dx, dy));
                        labels.push((NUM_CLASSES + k) as u8);
                    }
                }
            }
        }
        (images, labels)
    }
}

/// `image` moved `dx` pixels right and `dy` down, black where it came from.
pub fn shifted(image: &[u8], dx: i32, dy: i32) -> Vec<u8> {
    let side = IMAGE_SIDE as i32;
    let mut out = vec![0u8; IMAGE_PIXELS];
    for y in 0..side {
        for x in 0..side {
            let (sx, sy) = (x - dx, y - dy);
            if (0..side).contains(&sx) && (0..side).contains(&sy) {
                out[(y * side + x) as usize] = image[(sy * side + sx) as usize];
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dot() -> Vec<u8> {
        let mut image = vec![0u8; IMAGE_PIXELS];
        image[14 * IMAGE_SIDE + 14] = 255;
        image
    }

    #[test]
    fn names_are_tidied_and_refused_with_the_reason() {
        assert_eq!(clean_name("  my   star "), Ok("my star".into()));
        assert_eq!(clean_name("   "), Err(ClassError::EmptyName));
        assert_eq!(clean_name("a,b"), Err(ClassError::Comma));
        assert_eq!(clean_name("trouser"), Err(ClassError::Builtin("Trouser".into())));
        assert_eq!(clean_name(&"x".repeat(41)), Err(ClassError::NameTooLong));
    }

    #[test]
    fn examples_go_to_their_class_whatever_the_case() {
        let mut c = CustomClasses::default();
        c.add_example("Star", &dot()).unwrap();
        c.add_example("star ", &dot()).unwrap();
        c.add_example("Heart", &dot()).unwrap();
        assert_eq!(c.names(), ["Star", "Heart"]);
        assert_eq!(c.counts(), [2, 1]);
        assert_eq!(c.add_example("Star", &vec![0; IMAGE_PIXELS]), Err(ClassError::EmptyPicture));
        assert_eq!(c.check_fit("Moon"), Err(ClassError::NoExamples("Moon".into())));
        assert_eq!(c.check_fit("star"), Ok(()));
        assert_eq!(c.remove("STAR"), Some(0));
        assert_eq!(c.names(), ["Heart"]);
        assert_eq!(CustomClasses::default().check_fit(""), Err(ClassError::NoClasses));
    }

    #[test]
    fn limits_hold() {
        let mut c = CustomClasses::default();
        for k in 0..MAX_CLASSES {
            c.add_example(&format!("c{k}"), &dot()).unwrap();
        }
        assert_eq!(c.add_example("one more", &dot()), Err(ClassError::TooManyClasses));
        for _ in 1..MAX_EXAMPLES {
            c.add_example("c0", &dot()).unwrap();
        }
        assert_eq!(c.add_example("c0", &dot()), Err(ClassError::TooManyExamples("c0".into())));
    }

    #[test]
    fn training_images_are_shifted_copies_labelled_after_the_ten() {
        let mut c = CustomClasses::default();
        c.add_example("Star", &dot()).unwrap();
        c.add_example("Heart", &dot()).unwrap();
        let (images, labels) = c.training_images();
        let copies = ((2 * SHIFT + 1) * (2 * SHIFT + 1)) as usize;
        assert_eq!(labels.len(), 2 * copies);
        assert_eq!(images.len(), labels.len() * IMAGE_PIXELS);
        assert!(labels[..copies].iter().all(|&l| l == 10) && labels[copies..].iter().all(|&l| l == 11));
        let moved = shifted(&dot(), 2, -1);
        assert_eq!(moved[13 * IMAGE_SIDE + 16], 255);
        assert_eq!(moved.iter().filter(|&&p| p > 0).count(), 1);
        assert_eq!(shifted(&dot(), 20, 0).iter().filter(|&&p| p > 0).count(), 0);
    }
}
