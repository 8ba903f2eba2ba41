//! `--pictures N`: the model on made-up pictures of the first N test images, one of each kind
//! from each family (`fashion_cnn::pictures`), prepared as the page prepares an upload: the
//! accuracy of both classifiers, each class's share read right, the commonest confusions.

use burn::prelude::Device;
use fashion_cnn::dataset::{CLASS_NAMES, IMAGE_PIXELS, IMAGE_SIDE, NUM_CLASSES, Split};
use fashion_cnn::explain::argmax;
use fashion_cnn::metrics::{accuracy, confusion_matrix};
use fashion_cnn::model::Model;
use fashion_cnn::pictures::{Family, Kind, render};
use fashion_cnn::sketch::{Gray, prepare};
use fashion_cnn::svm::SvmClassifier;
use fashion_cnn::train::infer_split;
use rand::SeedableRng;
use rand::rngs::SmallRng;
use std::io::Write;
use std::ops::ControlFlow;
use std::path::Path;
use std::time::Instant;

/// One set of pictures: its name, the prepared 28x28 images, how many were taken for outlines.
struct Row {
    name: String,
    images: Vec<u8>,
    filled: usize,
}

pub fn measure(model: &Model, svm: &SvmClassifier, test: &Split, n: usize, dir: Option<&Path>) -> Result<(), String> {
    let n = n.min(test.len());
    let labels = test.labels[..n].to_vec();
    let mut rows =
        vec![Row { name: "original 28x28 images".into(), images: test.images[..n * IMAGE_PIXELS].to_vec(), filled: 0 }];
    for family in Family::ALL {
        // One seed per family, so the held-out pictures stay the same when the training ones change.
        let mut rng = SmallRng::seed_from_u64(2026 + family as u64);
        for kind in Kind::ALL {
            rows.push(render_row(test, n, kind, family, &mut rng, dir)?);
        }
    }
    println!("made-up pictures of the first {n} test images (CNN head / CNN+SVM):");
    let device = Device::flex();
    let mut details = Vec::new();
    for row in rows {
        let split = Split::new(row.images, labels.clone()).map_err(|e| e.to_string())?;
        let inf =
            pollster::block_on(infer_split(model, &split, n, &device, 500, |_| async { ControlFlow::Continue(()) }))?;
        let svm_predictions: Vec<u8> =
            inf.features.chunks_exact(inf.feature_dim).map(|f| argmax(&svm.scores(f)) as u8).collect();
        println!(
            "  {:<36} {:.4} / {:.4}   (outline filled in {})",
            row.name,
            accuracy(&inf.predictions, &labels),
            accuracy(&svm_predictions, &labels),
            row.filled
        );
        details.push((row.name, confusion_matrix(&svm_predictions, &labels)));
    }
    println!("each class read right (CNN+SVM), and the commonest confusions:");
    println!("  {:<36} {}", "", CLASS_NAMES.map(short).join(" "));
    for (name, m) in details {
        let recall: Vec<String> = (0..NUM_CLASSES)
            .map(|c| format!("{:>5.2}", m[c][c] as f64 / m[c].iter().sum::<u32>().max(1) as f64))
            .collect();
        let mut wrong: Vec<(u32, usize, usize)> = (0..NUM_CLASSES)
            .flat_map(|a| (0..NUM_CLASSES).map(move |p| (a, p)))
            .filter(|(a, p)| a != p)
            .map(|(a, p)| (m[a][p], a, p))
            .collect();
        wrong.sort_unstable_by(|x, y| y.cmp(x));
        let top: Vec<String> = wrong
            .iter()
            .take(3)
            .map(|&(k, a, p)| format!("{} as {} {k}", short(CLASS_NAMES[a]), short(CLASS_NAMES[p])))
            .collect();
        println!("  {name:<36} {}   {}", recall.join(" "), top.join(", "));
    }
    Ok(())
}

/// The first five letters of a class's name, for a table's header.
fn short(name: &str) -> String {
    name.chars().filter(|c| c.is_alphanumeric()).take(5).collect()
}

fn render_row(
    test: &Split,
    n: usize,
    kind: Kind,
    family: Family,
    rng: &mut SmallRng,
    dir: Option<&Path>,
) -> Result<Row, String> {
    let started = Instant::now();
    let (mut images, mut filled) = (Vec::with_capacity(n * IMAGE_PIXELS), 0);
    let name = format!("{}, {}", kind.name(), family.name());
    let slug = name.replace([' ', ','], "-").replace("--", "-");
    for i in 0..n {
        let picture = render(test.image(i), kind, family, rng);
        let prepared = prepare(&picture);
        if let Some(dir) = dir {
            let name = format!("{slug}.{i:04}.{}.png", test.labels[i]);
            write_png(&dir.join(&name), &picture)?;
            // What the model was given, beside (not among) the pictures the page test uploads.
            let seen = Gray::new(IMAGE_SIDE, IMAGE_SIDE, prepared.image.iter().map(|&v| v as f32 / 255.0).collect());
            write_png(&dir.join("prepared").join(&name), &seen)?;
        }
        filled += prepared.filled_outline as usize;
        images.extend(prepared.image);
    }
    eprintln!("{name}: rendered and prepared in {:.1} s", started.elapsed().as_secs_f64());
    Ok(Row { name, images, filled })
}

/// Writes `g` as a PNG file at `path`, making its folder.
fn write_png(path: &Path, g: &Gray) -> Result<(), String> {
    let folder = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(folder)
        .and_then(|_| std::fs::write(path, png(g)))
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// A grayscale PNG of `g` (8-bit, one IDAT chunk; flate2 is already a dependency).
fn png(g: &Gray) -> Vec<u8> {
    use flate2::{Compression, write::ZlibEncoder};
    let mut raw = Vec::with_capacity((g.width + 1) * g.height);
    for row in g.pixels.chunks_exact(g.width) {
        raw.push(0); // filter: none
        raw.extend(row.iter().map(|&v| (v.clamp(0.0, 1.0) * 255.0).round() as u8));
    }
    let mut z = ZlibEncoder::new(Vec::new(), Compression::default());
    z.write_all(&raw).expect("in-memory compression");
    let data = z.finish().expect("in-memory compression");
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], body: &[u8]| {
        out.extend((body.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend(kind);
        out.extend(body);
        let crc = crc32(&out[start..]);
        out.extend(crc.to_be_bytes());
    };
    let mut header = Vec::new();
    header.extend((g.width as u32).to_be_bytes());
    header.extend((g.height as u32).to_be_bytes());
    header.extend([8, 0, 0, 0, 0]); // 8-bit grayscale
    chunk(b"IHDR", &header);
    chunk(b"IDAT", &data);
    chunk(b"IEND", &[]);
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = flate2::Crc::new();
    crc.update(bytes);
    crc.sum()
}
