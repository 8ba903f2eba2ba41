//! The native command: trains a model with the same code the page runs (Burn's flex CPU
//! backend here), evaluates it, and fits the SVM on its features.
//!
//! `cargo run --release --features native --bin fashion-train -- [QUERY] [--data DIR] [--features FILE]`
//! where QUERY takes the page's URL parameters, e.g. `"arch=three-conv&epochs=1"`.

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    if let Err(e) = native::run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod pictures;

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use crate::pictures;
    use burn::prelude::Device;
    use fashion_cnn::batch::{Batch, epoch_batches};
    use fashion_cnn::dataset::{FILE_NAMES, FashionMnist, Split};
    use fashion_cnn::explain::argmax;
    use fashion_cnn::metrics::accuracy;
    use fashion_cnn::model::Model;
    use fashion_cnn::model_file::{ModelFile, ModelInfo, read_weights};
    use fashion_cnn::settings::Settings;
    use fashion_cnn::svm::{FeatureMap, Fit, SvmClassifier, SvmOptions};
    use fashion_cnn::train::driver::{self, BatchReport, Clock, EpochReport, Options, Reporter, RunShape};
    use fashion_cnn::train::replicas::NoReplicas;
    use fashion_cnn::train::{Inference, Trainer, infer_split};
    use rand::SeedableRng;
    use rand::rngs::SmallRng;
    use std::io::Write;
    use std::ops::ControlFlow;
    use std::path::{Path, PathBuf};
    use std::time::Instant;

    struct Args {
        /// The settings as given, recorded in a saved model file.
        query: String,
        settings: Settings,
        data: PathBuf,
        features: Option<PathBuf>,
        load_features: Option<PathBuf>,
        /// Made-up pictures of this many test images per kind to classify after training.
        pictures: usize,
        /// Where to save the trained CNN and its SVM (the page's model file), or load one from
        /// instead of training (its SVM, if it has one, is used instead of fitting one).
        save_model: Option<PathBuf>,
        load_model: Option<PathBuf>,
        /// Also write the made-up pictures as PNG files here (for the in-browser measurement).
        write_pictures: Option<PathBuf>,
        /// Time the phases of this many training batches, print where the time goes, and stop.
        profile: usize,
    }

    fn parse_args() -> Result<Args, String> {
        let mut query = String::new();
        let mut data = None;
        let mut features = None;
        let mut load_features = None;
        let (mut pictures, mut profile) = (0, 0);
        let (mut save_model, mut load_model, mut write_pictures) = (None, None, None);
        let mut args = std::env::args().skip(1);
        while let Some(a) = args.next() {
            match a.as_str() {
                "--data" => data = Some(PathBuf::from(args.next().ok_or("--data needs a directory")?)),
                "--features" => features = Some(PathBuf::from(args.next().ok_or("--features needs a file")?)),
                // Refits only the SVM on features written by an earlier --features run.
                "--load-features" => {
                    load_features = Some(PathBuf::from(args.next().ok_or("--load-features needs a file")?))
                }
                // Accuracy on photos, silhouettes and outlines made from the first N test images.
                "--pictures" => {
                    pictures = args.next().and_then(|n| n.parse().ok()).ok_or("--pictures needs a number of images")?
                }
                "--profile" => {
                    profile = args.next().and_then(|n| n.parse().ok()).ok_or("--profile needs a number of batches")?
                }
                "--save-model" => save_model = Some(PathBuf::from(args.next().ok_or("--save-model needs a file")?)),
                "--load-model" => load_model = Some(PathBuf::from(args.next().ok_or("--load-model needs a file")?)),
                "--write-pictures" => {
                    write_pictures = Some(PathBuf::from(args.next().ok_or("--write-pictures needs a directory")?))
                }
                "-h" | "--help" => return Err("usage: fashion-train [QUERY] [--data DIR] [--features FILE | --load-features FILE] [--pictures N] [--write-pictures DIR] [--save-model FILE | --load-model FILE] [--profile BATCHES]".into()),
                q if !q.starts_with("--") => query = q.to_string(),
                other => return Err(format!("unknown option {other}")),
            }
        }
        let data = data
            .or_else(|| std::env::var("FASHION_MNIST_DIR").ok().map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("data"));
        Ok(Args {
            settings: Settings::from_query(&query).map_err(|e| e.to_string())?,
            query,
            data,
            features,
            load_features,
            pictures,
            save_model,
            load_model,
            write_pictures,
            profile,
        })
    }

    fn load(dir: &Path) -> Result<FashionMnist, String> {
        let files: Vec<Vec<u8>> = FILE_NAMES
            .iter()
            .map(|n| std::fs::read(dir.join(n)).map_err(|e| format!("{}: {e}", dir.join(n).display())))
            .collect::<Result<_, _>>()?;
        FashionMnist::from_gz_files([&files[0], &files[1], &files[2], &files[3]]).map_err(|e| e.to_string())
    }

    pub fn run() -> Result<(), String> {
        let args = parse_args()?;
        if args.profile > 0 {
            return profile(&args);
        }
        let loaded = match &args.load_model {
            Some(path) => {
                let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
                Some(ModelFile::decode(&bytes).map_err(|e| format!("{}: {e}", path.display()))?)
            }
            None => None,
        };
        let (model, trained_images, train, test) = match &args.load_features {
            Some(path) => {
                let (train, test) = read_features(path).map_err(|e| format!("{}: {e}", path.display()))?;
                (None, 0, train, test)
            }
            None => {
                let (model, seen, train, test) = train_cnn(&args, loaded.as_ref())?;
                (Some(model), seen, train, test)
            }
        };
        let cnn_accuracy = accuracy(&test.0.predictions, &test.1);
        println!("CNN head test accuracy {cnn_accuracy:.4}");
        let svm = match loaded.and_then(|f| f.svm) {
            Some(svm) => svm,
            None => fit_svm(&args.settings.svm, &train),
        };
        let svm_accuracy = svm_test_accuracy(&svm, &test);
        println!("CNN+SVM test accuracy {svm_accuracy:.4}");
        if let Some(path) = &args.save_model {
            let model = model.as_ref().ok_or("--save-model needs a model: it cannot be used with --load-features")?;
            let file = ModelFile {
                info: ModelInfo {
                    settings: args.query.clone(),
                    made_by: "fashion-train".into(),
                    cnn_accuracy: Some(cnn_accuracy),
                    svm_accuracy: Some(svm_accuracy),
                    test_images: test.1.len(),
                    trained_images,
                },
                weights: pollster::block_on(read_weights(model))?,
                svm: Some(svm.clone()),
                custom: Default::default(),
            };
            let bytes = file.encode();
            std::fs::write(path, &bytes).map_err(|e| format!("{}: {e}", path.display()))?;
            println!("model written to {} ({} bytes)", path.display(), bytes.len());
        }
        if args.pictures > 0 {
            let model = model.ok_or("--pictures needs a model: it cannot be used with --load-features")?;
            pictures::measure(&model, &svm, &load(&args.data)?.test, args.pictures, args.write_pictures.as_deref())?;
        }
        Ok(())
    }

    /// Where a training batch's time goes on the CPU backend: gathering the batch, uploading it,
    /// the forward pass with the loss, the backward pass, the optimizer, reading the loss back.
    /// The first 5 batches are left out (allocator warm-up).
    fn profile(args: &Args) -> Result<(), String> {
        let t = &args.settings.train;
        let data = load(&args.data)?;
        let device = Device::flex();
        let mut trainer = Trainer::new(t.arch, &device, t.lr, t.seed);
        let mut rng = SmallRng::seed_from_u64(t.seed);
        let phases = ["gather", "upload", "forward", "backward", "optimizer", "read back"];
        let mut spent = [0f64; 6];
        let batches = epoch_batches(data.train.len(), t.batch_size, &mut rng);
        let warm_up = 5;
        let started = Instant::now();
        for (i, indices) in batches.iter().take(args.profile + warm_up).enumerate() {
            let mut last = Instant::now();
            let mut lap = |k: usize| {
                if i >= warm_up {
                    spent[k] += last.elapsed().as_secs_f64();
                }
                last = Instant::now();
            };
            let batch = Batch::gather_augmented(&data.train, indices, &t.augmentation(), &mut rng);
            lap(0);
            let pending = trainer.step_marked(&batch, |phase| lap(phases.iter().position(|p| *p == phase).unwrap()));
            pollster::block_on(pending.read())?;
            lap(5);
        }
        let total: f64 = spent.iter().sum();
        println!(
            "{}, batch {}: {:.1} ms per batch over {} batches ({:.0} images/s); wall {:.1} s",
            t.arch,
            t.batch_size,
            1000.0 * total / args.profile as f64,
            args.profile,
            (args.profile * t.batch_size) as f64 / total,
            started.elapsed().as_secs_f64()
        );
        for (name, s) in phases.iter().zip(spent) {
            println!("  {name:<10} {:>7.2} ms  {:>5.1} %", 1000.0 * s / args.profile as f64, 100.0 * s / total);
        }
        Ok(())
    }

    fn svm_test_accuracy(svm: &SvmClassifier, test: &Labelled) -> f64 {
        let predicted: Vec<u8> =
            test.0.features.chunks_exact(test.0.feature_dim).map(|f| argmax(&svm.scores(f)) as u8).collect();
        accuracy(&predicted, &test.1)
    }

    type Labelled = (Inference, Vec<u8>);

    /// Fits the SVM on the training features; its test accuracy is measured by the caller.
    fn fit_svm(options: &SvmOptions, train: &Labelled) -> SvmClassifier {
        let started = Instant::now();
        let map = FeatureMap::fit(options.kernel, &train.0.features, train.0.feature_dim, options.pegasos.seed);
        let train_rows = map.apply_all(&train.0.features, |_| {});
        let mapped = started.elapsed().as_secs_f64();
        let mut fit = Fit::new(&train_rows, &train.1, options.clone());
        while !fit.step(1000) {}
        for s in fit.scores() {
            println!("  lambda {:e}: validation accuracy {:.4}", s.lambda, s.accuracy);
        }
        let (svm, lambda) = fit.finish();
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "SVM ({:?}, lambda {lambda:e}, {} Pegasos epochs, batch {}): feature map {mapped:.1} s, \
             total {seconds:.1} s on {} rows",
            options.kernel,
            options.pegasos.epochs,
            options.pegasos.batch_size,
            train_rows.len()
        );
        SvmClassifier { map, svm, lambda }
    }

    /// Trains the CNN (or takes the loaded one), then runs it over both splits. Returns the
    /// training images seen as well.
    fn train_cnn(args: &Args, loaded: Option<&ModelFile>) -> Result<(Model, usize, Labelled, Labelled), String> {
        let t = &args.settings.train;
        let mut data = load(&args.data)?;
        data.train.truncate(t.train_limit.unwrap_or(usize::MAX));
        data.test.truncate(t.test_limit.unwrap_or(usize::MAX));
        let device = Device::flex();
        let (model, seen) = match loaded {
            Some(file) => (file.weights.build(&device).map_err(|e| e.to_string())?, file.info.trained_images),
            None => train(args, &data.train, &device)?,
        };
        let infer = |split: &Split| {
            pollster::block_on(infer_split(&model, split, split.len(), &device, 500, |_| async {
                ControlFlow::Continue(())
            }))
        };
        let test = infer(&data.test)?;
        let train = infer(&data.train)?;
        if let Some(path) = &args.features {
            write_features(path, &[(&train, &data.train.labels), (&test, &data.test.labels)])
                .map_err(|e| format!("{}: {e}", path.display()))?;
            println!("features written to {}", path.display());
        }
        Ok((model, seen, (train, data.train.labels), (test, data.test.labels)))
    }

    /// Prints the run's progress on the terminal.
    struct Console {
        started: Instant,
        batches_per_epoch: usize,
    }

    impl Reporter for Console {
        fn start(&mut self, shape: &RunShape) {
            self.batches_per_epoch = shape.batches_per_epoch;
        }

        fn batch(&mut self, b: &BatchReport) {
            let i = (b.step - 1) % self.batches_per_epoch.max(1);
            if i.is_multiple_of(100) {
                eprint!("\repoch {} batch {i}/{} loss {:.4}   ", b.epoch, self.batches_per_epoch, b.loss);
                let _ = std::io::stderr().flush();
            }
        }

        fn epoch(&mut self, e: &EpochReport) {
            let seconds = self.started.elapsed().as_secs_f64();
            eprintln!("\repoch {}: loss {:.4}, train accuracy {:.4}, {seconds:.0} s", e.epoch, e.loss, e.accuracy);
        }
    }

    struct SystemClock(Instant);

    impl Clock for SystemClock {
        fn seconds(&self) -> f64 {
            self.0.elapsed().as_secs_f64()
        }
    }

    /// Trains with the page's own driver; returns the model and the images it was trained on.
    fn train(args: &Args, data: &Split, device: &Device) -> Result<(Model, usize), String> {
        let t = &args.settings.train;
        let mut console = Console { started: Instant::now(), batches_per_epoch: 0 };
        let (clock, options) = (SystemClock(Instant::now()), Options::default());
        let mut alone = NoReplicas;
        let run = driver::train(device, data, t, &options, &mut console, &clock, &mut alone);
        // The CPU's reads are ready at once: nothing here ever waits.
        let outcome = pollster::block_on(run).map_err(|e| e.to_string())?;
        println!(
            "{} trained on {} images x {} epochs in {:.0} s ({:.0} images/s)",
            t.arch,
            data.len(),
            t.epochs,
            outcome.seconds,
            outcome.images_per_second
        );
        Ok((outcome.model, outcome.images))
    }

    fn read_features(path: &Path) -> std::io::Result<(Labelled, Labelled)> {
        let bytes = std::fs::read(path)?;
        let mut at = 0;
        let mut take = |n: usize| {
            let s = &bytes[at..at + n];
            at += n;
            s
        };
        let mut split = || {
            let n = u32::from_le_bytes(take(4).try_into().unwrap()) as usize;
            let dim = u32::from_le_bytes(take(4).try_into().unwrap()) as usize;
            let features =
                take(n * dim * 4).chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect();
            let labels = take(n).to_vec();
            let predictions = take(n).to_vec();
            (
                Inference {
                    predictions,
                    confidence: Vec::new(),
                    probabilities: Vec::new(),
                    features,
                    feature_dim: dim,
                },
                labels,
            )
        };
        let train = split();
        let test = split();
        Ok((train, test))
    }

    /// Per split: n, dim (u32 LE), n*dim f32 LE features, n labels, n head predictions.
    fn write_features(path: &Path, splits: &[(&Inference, &[u8])]) -> std::io::Result<()> {
        let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
        for (inf, labels) in splits {
            out.write_all(&(labels.len() as u32).to_le_bytes())?;
            out.write_all(&(inf.feature_dim as u32).to_le_bytes())?;
            for f in &inf.features {
                out.write_all(&f.to_le_bytes())?;
            }
            out.write_all(labels)?;
            out.write_all(&inf.predictions)?;
        }
        out.flush()
    }
}
