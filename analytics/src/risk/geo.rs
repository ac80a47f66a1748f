//! Distances on the globe, as the geo detectors and the generator measure them.

use geo::{Distance, Haversine, Point};

/// Great-circle distance in km between two (latitude, longitude) points.
pub fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    Haversine.distance(Point::new(a.1, a.0), Point::new(b.1, b.0)) / 1000.0
}
