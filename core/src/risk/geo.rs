//! Distances on the globe, as the travel rule, the geo detectors and the generator measure
//! them: the haversine formula on a sphere of the GRS80 mean radius, written out here so the
//! extension measures exactly what the toolkit measures (the `geo` crate's `Haversine` gives
//! the same figures; the toolkit's tests compare them).

/// GRS80's mean radius R₁, in metres.
const MEAN_EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Great-circle distance in km between two (latitude, longitude) points in degrees.
pub fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lon1) = a;
    let (lat2, lon2) = b;
    let theta1 = lat1.to_radians();
    let theta2 = lat2.to_radians();
    let delta_theta = (lat2 - lat1).to_radians();
    let delta_lambda = (lon2 - lon1).to_radians();
    let h =
        (delta_theta / 2.0).sin().powi(2) + theta1.cos() * theta2.cos() * (delta_lambda / 2.0).sin().powi(2);
    MEAN_EARTH_RADIUS_M * (2.0 * h.sqrt().asin()) / 1000.0
}
