//! The SVM fit shared with other workers. Each run of the [`Plan`] is split by class: the
//! one-vs-rest problems depend on no other's, and every worker walks the rows in the same
//! order, so the helpers solve their classes, this worker solves its own meanwhile, and the
//! weights put together are the one-worker fit's, number for number. A lost helper's classes
//! are solved here.

use std::future::Future;
use std::ops::{ControlFlow, Range};

use super::pegasos::class_count;
use super::{LambdaScore, LinearSvm, Plan, Rows, Run, SvmOptions};

/// Workers elsewhere that solve a share of the classes of each run. Each has been given the
/// fit's rows and labels (the browser's helpers map the features they are sent), and builds
/// the same [`Plan`] from the same options.
pub trait SvmHelpers {
    /// How many take a share of the next run.
    fn svm_helper_count(&self) -> usize;
    /// Helper `i` solves `run` for `classes[i]`; [`SvmHelpers::collect_weights`] follows.
    fn send_run(&mut self, run: Run, classes: &[Range<usize>]);
    /// The weights of the last `send_run`, in its order (a row of `dim + 1` per class); `None`
    /// for a share whose helper was lost (it is no longer counted).
    fn collect_weights(&mut self) -> impl Future<Output = Vec<Option<Vec<f32>>>>;
    /// The fit is over: the helpers let its rows go.
    fn unload_fit(&mut self);
}

/// Where a shared fit stands, told between slices of this worker's own share.
#[derive(Clone, Copy, Debug)]
pub struct FitProgress<'a> {
    /// Fraction of this worker's iterations done.
    pub progress: f64,
    pub lambda: f64,
    pub searching: bool,
    /// The search's scores so far; `new_score` when one came since the last call.
    pub scores: &'a [LambdaScore],
    pub new_score: bool,
}

/// What a finished fit gives: the classifiers, their λ and the search's scores.
pub struct Fitted {
    pub svm: LinearSvm,
    pub lambda: f64,
    pub scores: Vec<LambdaScore>,
}

/// Iterations of this worker's share between two calls of `between`.
const SLICE: usize = 50;

/// The fit of [`super::Fit`] with `helpers` sharing each run; `between` is called every few
/// iterations here and ends the fit early with `Break` (`None` then).
pub async fn fit_shared<F, Fut>(
    rows: &Rows,
    labels: &[u8],
    options: SvmOptions,
    helpers: &mut impl SvmHelpers,
    mut between: F,
) -> Option<Fitted>
where
    F: FnMut(FitProgress<'_>) -> Fut,
    Fut: Future<Output = ControlFlow<()>>,
{
    assert_eq!(rows.len(), labels.len(), "one label per row");
    let plan = Plan::new(rows.len(), options);
    let (total, mut done_before) = (plan.total_iterations().max(1) as f64, 0);
    let mut scores = Vec::new();
    let mut reported = 0;
    let fitted = loop {
        let run = plan.run_after(&scores);
        let (lambda, searching) = (plan.lambda(run), matches!(run, Run::Search { .. }));
        let mut progress = |done: usize| {
            let new_score = scores.len() > reported;
            reported = scores.len();
            let progress = (done_before + done) as f64 / total;
            between(FitProgress { progress, lambda, searching, scores: &scores, new_score })
        };
        let Some(svm) = shared_run(&plan, run, (rows, labels), helpers, &mut progress).await else { break None };
        done_before += plan.iterations(run);
        match run {
            Run::Search { .. } => scores.push(plan.score(run, &svm, rows, labels)),
            Run::Final { lambda } => break Some(Fitted { svm, lambda, scores }),
        }
    };
    helpers.unload_fit();
    fitted
}

/// One run, the classes shared between the helpers and this worker; `None` when `between`
/// broke it off.
async fn shared_run<Fut: Future<Output = ControlFlow<()>>>(
    plan: &Plan,
    run: Run,
    (rows, labels): (&Rows, &[u8]),
    helpers: &mut impl SvmHelpers,
    between: &mut impl FnMut(usize) -> Fut,
) -> Option<LinearSvm> {
    let shares = shares(class_count(labels), helpers.svm_helper_count() + 1);
    let (own, theirs) = shares.split_last().expect("one share at least");
    helpers.send_run(run, theirs);
    let mut svm = solve(plan, run, rows, labels, own.clone(), between).await?;
    let answers = helpers.collect_weights().await;
    for (share, weights) in theirs.iter().zip(answers.into_iter().chain(std::iter::repeat(None))) {
        let weights = match weights {
            Some(w) => w,
            None => {
                solve(plan, run, rows, labels, share.clone(), between).await?.weights[rows_of(share, svm.dim)].to_vec()
            }
        };
        svm.weights[rows_of(share, svm.dim)].copy_from_slice(&weights);
    }
    Some(svm)
}

/// `run` solved here for `classes`, the other classes' weights left at zero; `None` when
/// `between` broke it off.
async fn solve<Fut: Future<Output = ControlFlow<()>>>(
    plan: &Plan,
    run: Run,
    rows: &Rows,
    labels: &[u8],
    classes: Range<usize>,
    between: &mut impl FnMut(usize) -> Fut,
) -> Option<LinearSvm> {
    let mut pegasos = plan.pegasos(run, rows, labels).for_classes(classes);
    while !pegasos.run(SLICE) {
        if between(pegasos.iterations_done()).await.is_break() {
            return None;
        }
    }
    Some(pegasos.into_svm())
}

/// The weights of `classes`, rows of `dim + 1`.
fn rows_of(classes: &Range<usize>, dim: usize) -> Range<usize> {
    classes.start * (dim + 1)..classes.end * (dim + 1)
}

/// `classes` cut into `workers` consecutive shares as even as can be, the larger ones first
/// (the last is this worker's, which also scores each run and reports).
pub fn shares(classes: usize, workers: usize) -> Vec<Range<usize>> {
    let workers = workers.clamp(1, classes.max(1));
    let (each, extra) = (classes / workers, classes % workers);
    let mut start = 0;
    (0..workers)
        .map(|i| {
            let len = each + usize::from(i < extra);
            let share = start..start + len;
            start += len;
            share
        })
        .collect()
}
