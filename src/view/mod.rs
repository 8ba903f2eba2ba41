//! What the page computes without a browser, tested natively: number formats, chart axes and
//! smoothing, colour scales, the gallery's filters and paging, the answer bars' order, the
//! picture header check, the feature map's layout.

pub mod bars;
pub mod chart;
pub mod colour;
pub mod format;
pub mod gallery;
pub mod picture;
pub mod scatter;
