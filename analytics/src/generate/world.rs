//! The embedded world: real cities (coordinates, time zone, language, ISP and mobile ASNs)
//! and device profiles, from `analytics/data/*.csv`, parsed once.

use std::sync::OnceLock;

use crate::risk::device::device_profile;

#[derive(Debug, Clone)]
pub struct City {
    pub name: String,
    pub country: String,
    pub country_name: String,
    pub lat: f64,
    pub lon: f64,
    pub time_zone: String,
    pub utc_offset_minutes: i64,
    pub language: String,
    pub population_k: f64,
    pub isp_asn: u32,
    pub isp_org: String,
    pub mobile_asn: u32,
    pub mobile_org: String,
}

#[derive(Debug, Clone)]
pub struct Device {
    pub profile: String,
    pub browser: String,
    pub version: String,
    pub os: String,
    pub platform: String,
    pub is_mobile: bool,
    pub is_tablet: bool,
    pub is_desktop: bool,
    pub is_bot: bool,
    pub user_agent: String,
    /// A spoofed user agent whose flags contradict its platform (profiles named `spoofed-…`):
    /// planted as contradictory devices, never drawn as anyone's own device.
    pub spoofed: bool,
}

/// Hosting and VPN networks that anonymised sessions come from.
pub const ANONYMIZER_NETWORKS: &[(u32, &str)] = &[
    (9009, "M247 Europe SRL"),
    (14061, "DigitalOcean, LLC"),
    (16509, "Amazon.com, Inc."),
    (20473, "The Constant Company, LLC"),
    (60068, "Datacamp Limited"),
    (212238, "Datacamp Limited"),
];

pub struct World {
    pub cities: Vec<City>,
    /// Cumulative population weights, for drawing a home city.
    pub city_weights: Vec<f64>,
    pub devices: Vec<Device>,
    /// Indices of the ordinary (non-bot) devices, mobile and desktop.
    pub mobile_devices: Vec<usize>,
    pub desktop_devices: Vec<usize>,
    pub spoofed_devices: Vec<usize>,
    /// Each device's profile as the detectors compare them (equal profiles, equal codes).
    pub profile_codes: Vec<u32>,
    /// The cities of each country (in `cities.csv` order of first appearance), with their
    /// cumulative weights, for drawing a home country first and a city in it next.
    pub countries: Vec<(Vec<usize>, Vec<f64>)>,
    /// For each city, the cities of other countries within [`NEIGHBOUR_KM`], nearest first
    /// (where a commuter's second country is).
    pub foreign_neighbours: Vec<Vec<(usize, f64)>>,
}

/// How far [`World::foreign_neighbours`] looks across a border.
pub const NEIGHBOUR_KM: f64 = 200.0;

/// Splits one CSV line (RFC 4180 quoting, no embedded newlines).
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    fields.push(field);
    fields
}

fn rows(text: &str) -> impl Iterator<Item = Vec<String>> + '_ {
    text.lines().skip(1).filter(|l| !l.trim().is_empty()).map(csv_fields)
}

fn parse_cities(text: &str) -> Vec<City> {
    rows(text)
        .map(|f| City {
            name: f[0].clone(),
            country: f[1].clone(),
            country_name: f[2].clone(),
            lat: f[3].parse().expect("cities.csv: latitude"),
            lon: f[4].parse().expect("cities.csv: longitude"),
            time_zone: f[5].clone(),
            utc_offset_minutes: f[6].parse().expect("cities.csv: utc_offset_minutes"),
            language: f[7].clone(),
            population_k: f[8].parse().expect("cities.csv: population_k"),
            isp_asn: f[9].parse().expect("cities.csv: isp_asn"),
            isp_org: f[10].clone(),
            mobile_asn: f[11].parse().expect("cities.csv: mobile_asn"),
            mobile_org: f[12].clone(),
        })
        .collect()
}

fn parse_devices(text: &str) -> Vec<Device> {
    let flag = |s: &str| s == "true";
    rows(text)
        .map(|f| Device {
            profile: f[0].clone(),
            browser: f[1].clone(),
            version: f[2].clone(),
            os: f[3].clone(),
            platform: f[4].clone(),
            is_mobile: flag(&f[5]),
            is_tablet: flag(&f[6]),
            is_desktop: flag(&f[7]),
            is_bot: flag(&f[8]),
            user_agent: f[9].clone(),
            spoofed: f[0].starts_with("spoofed-"),
        })
        .collect()
}

pub fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let cities = parse_cities(include_str!("../../data/cities.csv"));
        let devices = parse_devices(include_str!("../../data/devices.csv"));
        // Bigger cities have more users, but not in proportion (sqrt keeps small ones present).
        let mut total = 0.0;
        let city_weights = cities
            .iter()
            .map(|c| {
                total += c.population_k.max(1.0).sqrt();
                total
            })
            .collect();
        let ordinary = |mobile: bool| {
            devices
                .iter()
                .enumerate()
                .filter(|(_, d)| !d.is_bot && !d.spoofed && (d.is_mobile || d.is_tablet) == mobile)
                .map(|(i, _)| i)
                .collect::<Vec<_>>()
        };
        let mut profiles: Vec<String> = Vec::new();
        let mut key = String::new();
        let profile_codes = devices
            .iter()
            .map(|d| {
                let mobile = d.is_mobile || d.is_tablet;
                device_profile(
                    Some(&d.browser),
                    Some(&d.version),
                    Some(&d.os),
                    Some(&d.platform),
                    Some(mobile),
                    &mut key,
                );
                match profiles.iter().position(|p| *p == key) {
                    Some(code) => code as u32,
                    None => {
                        profiles.push(key.clone());
                        (profiles.len() - 1) as u32
                    }
                }
            })
            .collect();
        let weight = |c: &City| c.population_k.max(1.0).sqrt();
        let mut countries: Vec<(String, Vec<usize>, Vec<f64>)> = Vec::new();
        for (i, c) in cities.iter().enumerate() {
            let at = match countries.iter().position(|(name, _, _)| *name == c.country) {
                Some(at) => at,
                None => {
                    countries.push((c.country.clone(), Vec::new(), Vec::new()));
                    countries.len() - 1
                }
            };
            let (_, members, cumulative) = &mut countries[at];
            let total = cumulative.last().copied().unwrap_or(0.0) + weight(c);
            members.push(i);
            cumulative.push(total);
        }
        let foreign_neighbours = cities
            .iter()
            .map(|a| {
                let mut near: Vec<(usize, f64)> = cities
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| b.country != a.country)
                    .map(|(j, b)| (j, distance_km((a.lat, a.lon), (b.lat, b.lon))))
                    .filter(|&(_, km)| km <= NEIGHBOUR_KM)
                    .collect();
                near.sort_by(|x, y| x.1.total_cmp(&y.1));
                near
            })
            .collect();
        World {
            countries: countries.into_iter().map(|(_, members, cumulative)| (members, cumulative)).collect(),
            foreign_neighbours,
            mobile_devices: ordinary(true),
            desktop_devices: ordinary(false),
            spoofed_devices: devices.iter().enumerate().filter(|(_, d)| d.spoofed).map(|(i, _)| i).collect(),
            profile_codes,
            cities,
            city_weights,
            devices,
        }
    })
}

/// Great-circle distance in kilometres: the detectors' own (the `geo` crate's haversine).
pub use crate::risk::geo::distance_km;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_tables_parse_and_are_large_enough() {
        let w = world();
        assert!(w.cities.len() >= 200, "{} cities", w.cities.len());
        assert!(w.devices.len() >= 30);
        assert!(!w.mobile_devices.is_empty() && !w.desktop_devices.is_empty());
        let countries: std::collections::BTreeSet<_> = w.cities.iter().map(|c| &c.country).collect();
        assert!(countries.len() >= 40);
    }

    #[test]
    fn quoted_csv_fields() {
        assert_eq!(csv_fields(r#"a,"b, c","d ""e""",f"#), vec!["a", "b, c", "d \"e\"", "f"]);
    }

    #[test]
    fn distances() {
        let berlin = (52.52, 13.405);
        let paris = (48.8566, 2.3522);
        assert!((distance_km(berlin, paris) - 878.0).abs() < 10.0);
    }
}
