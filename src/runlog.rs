//! The experiment log's records: one per finished or stopped run, with its settings, speed,
//! accuracies and curves; their CSV form and their sort orders. The page keeps them in
//! IndexedDB and draws them; this module knows nothing of either.

use serde::{Deserialize, Serialize};

/// One run, as the log keeps it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Unique in the log: `run-` and the time it finished, in ms.
    pub id: String,
    /// When it finished, ms since 1970.
    pub finished_at: f64,
    /// The training and SVM settings, as a URL query.
    pub settings: String,
    pub arch: String,
    pub backend: String,
    pub epochs: u32,
    pub batch: u32,
    pub lr: f64,
    /// Trainable parameters of the network.
    pub params: u32,
    /// Training time (not the evaluation).
    pub seconds: f64,
    pub images_per_second: f64,
    pub cnn_accuracy: Option<f64>,
    pub svm_accuracy: Option<f64>,
    /// Stopped before its last batch.
    pub stopped: bool,
    /// The sweep it was part of (its spec), if any.
    pub sweep: Option<String>,
    /// The run's batches.
    pub batches: u32,
    /// Training loss and accuracy per batch, `[step, value]`, thinned to [`CURVE_POINTS`].
    pub loss: Vec<[f32; 2]>,
    pub accuracy: Vec<[f32; 2]>,
}

impl RunRecord {
    /// "2 ep, b32, lr 0.002": what tells runs of one model apart, for a legend.
    pub fn brief(&self) -> String {
        format!("{} ep, b{}, lr {}", self.epochs, self.batch, self.lr)
    }
}

/// Points kept per curve: enough to draw, small enough that a hundred runs stay small.
pub const CURVE_POINTS: usize = 300;

/// The log's sortable columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    Finished,
    Arch,
    Params,
    Seconds,
    ImagesPerSecond,
    CnnAccuracy,
    SvmAccuracy,
}

impl Column {
    pub const ALL: [Column; 7] = [
        Column::Finished,
        Column::Arch,
        Column::Params,
        Column::Seconds,
        Column::ImagesPerSecond,
        Column::CnnAccuracy,
        Column::SvmAccuracy,
    ];

    /// The value of the header's `data-sort`.
    pub fn key(self) -> &'static str {
        match self {
            Column::Finished => "finished",
            Column::Arch => "arch",
            Column::Params => "params",
            Column::Seconds => "seconds",
            Column::ImagesPerSecond => "images-per-second",
            Column::CnnAccuracy => "cnn-accuracy",
            Column::SvmAccuracy => "svm-accuracy",
        }
    }

    pub fn from_key(key: &str) -> Option<Column> {
        Column::ALL.into_iter().find(|c| c.key() == key)
    }

    fn value(self, r: &RunRecord) -> f64 {
        match self {
            Column::Finished => r.finished_at,
            Column::Arch => 0.0,
            Column::Params => f64::from(r.params),
            Column::Seconds => r.seconds,
            Column::ImagesPerSecond => r.images_per_second,
            // A run without a result sorts below every run with one.
            Column::CnnAccuracy => r.cnn_accuracy.unwrap_or(-1.0),
            Column::SvmAccuracy => r.svm_accuracy.unwrap_or(-1.0),
        }
    }
}

/// Sorts `records` by `column`, newest first among equals.
pub fn sort(records: &mut [RunRecord], column: Column, ascending: bool) {
    records.sort_by(|a, b| {
        let order = match column {
            Column::Arch => a.arch.cmp(&b.arch),
            _ => column.value(a).total_cmp(&column.value(b)),
        };
        let order = if ascending { order } else { order.reverse() };
        order.then(b.finished_at.total_cmp(&a.finished_at))
    });
}

/// The accuracy a sweep ranks by: CNN + SVM where there is one, else the CNN's.
pub fn score(r: &RunRecord) -> Option<f64> {
    r.svm_accuracy.or(r.cnn_accuracy)
}

/// The best of `records` by [`score`].
pub fn best(records: &[RunRecord]) -> Option<&RunRecord> {
    records
        .iter()
        .filter(|r| score(r).is_some())
        .max_by(|a, b| score(a).unwrap_or(0.0).total_cmp(&score(b).unwrap_or(0.0)))
}

const CSV_HEADER: &str = "id,finished_at,arch,backend,epochs,batch,lr,params,seconds,images_per_second,cnn_accuracy,svm_accuracy,stopped,sweep,settings";

/// A field as CSV writes it: quoted when it holds a comma, a quote or a line break.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

/// The log as CSV, a header and one line per run (curves left out: they are in the JSON).
pub fn to_csv(records: &[RunRecord]) -> String {
    let opt = |v: Option<f64>| v.map_or(String::new(), |v| v.to_string());
    let mut out = String::from(CSV_HEADER);
    out.push('\n');
    for r in records {
        let fields = [
            csv_field(&r.id),
            r.finished_at.to_string(),
            csv_field(&r.arch),
            csv_field(&r.backend),
            r.epochs.to_string(),
            r.batch.to_string(),
            r.lr.to_string(),
            r.params.to_string(),
            format!("{:.2}", r.seconds),
            format!("{:.1}", r.images_per_second),
            opt(r.cnn_accuracy),
            opt(r.svm_accuracy),
            r.stopped.to_string(),
            csv_field(r.sweep.as_deref().unwrap_or("")),
            csv_field(&r.settings),
        ];
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

/// At most [`CURVE_POINTS`] of a run's `[step, value]` points, evenly spread, ends kept.
pub fn thin_curve(points: &[[f32; 2]]) -> Vec<[f32; 2]> {
    crate::roc::thin(points, CURVE_POINTS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, at: f64, cnn: Option<f64>, svm: Option<f64>) -> RunRecord {
        RunRecord {
            id: id.into(),
            finished_at: at,
            settings: "epochs=1&lr=0.002".into(),
            arch: "bn-cnn".into(),
            backend: "cpu".into(),
            epochs: 1,
            batch: 32,
            lr: 0.002,
            params: 421_834,
            seconds: 12.5,
            images_per_second: 480.0,
            cnn_accuracy: cnn,
            svm_accuracy: svm,
            stopped: false,
            sweep: None,
            batches: 10,
            loss: vec![[1.0, 2.0]],
            accuracy: vec![[1.0, 0.2]],
        }
    }

    #[test]
    fn csv_has_a_header_and_a_line_per_run_with_fields_quoted() {
        let mut r = record("run-1", 1.0, Some(0.8), None);
        r.sweep = Some("lr:1,2".into());
        let csv = to_csv(&[r, record("run-2", 2.0, Some(0.9), Some(0.91))]);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0].split(',').count(), 15);
        assert!(lines[1].contains(",0.8,,false,\"lr:1,2\",epochs=1&lr=0.002"), "{}", lines[1]);
        assert!(lines[2].ends_with(",0.9,0.91,false,,epochs=1&lr=0.002"), "{}", lines[2]);
        assert_eq!(to_csv(&[]).lines().count(), 1);
    }

    #[test]
    fn sorts_by_a_column_and_ranks_by_the_svm_first() {
        let mut rs = vec![
            record("a", 1.0, Some(0.85), None),
            record("b", 2.0, Some(0.80), Some(0.90)),
            record("c", 3.0, None, None),
        ];
        sort(&mut rs, Column::CnnAccuracy, false);
        assert_eq!(rs.iter().map(|r| r.id.as_str()).collect::<String>(), "abc");
        sort(&mut rs, Column::Finished, false);
        assert_eq!(rs.iter().map(|r| r.id.as_str()).collect::<String>(), "cba");
        assert_eq!(best(&rs).map(|r| r.id.as_str()), Some("b"));
        assert_eq!(Column::from_key("svm-accuracy"), Some(Column::SvmAccuracy));
    }
}
