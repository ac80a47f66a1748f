//! Distances on the globe, as the geo detectors and the generator measure them: core's
//! haversine, which the extension's `travel_finding` measures with too.

pub use facesign_core::risk::geo::distance_km;

#[cfg(test)]
mod tests {
    use geo::{Distance, Haversine, Point};

    /// Core writes the haversine out; the `geo` crate's gives the same figures.
    #[test]
    fn cores_distance_is_the_geo_crates_haversine() {
        let points = [
            (52.52, 13.405),
            (-33.87, 151.21),
            (40.71, -74.0),
            (0.0, 0.0),
            (89.9, 179.9),
            (-89.9, -179.9),
            (35.68, 139.69),
        ];
        for &a in &points {
            for &b in &points {
                let geo_km = Haversine.distance(Point::new(a.1, a.0), Point::new(b.1, b.0)) / 1000.0;
                let ours = super::distance_km(a, b);
                assert!((ours - geo_km).abs() <= 1e-9 * geo_km.max(1.0), "{a:?} {b:?}: {ours} vs {geo_km}");
            }
        }
    }
}
