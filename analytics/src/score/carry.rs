//! What each user's rules remember of the sessions an incremental run no longer holds
//! ([`super::incremental`]): the per-user rules of [`crate::risk::rules`] are folds over one
//! user's sessions in time order with bounded state, so their state after the sessions before
//! a time is all a later run needs of them. A run starts each user's rules from their
//! [`Carry`] ([`SessionTable::carry`]) instead of from nothing, and replays only the sessions
//! after it; [`carry_forward`] folds the sessions a run lets go of into the carry, with the
//! same steps the detectors take.
//!
//! Country, city and device codes in a carry are the state's: each run's table is seeded with
//! the state's dictionaries ([`super::table::Interned::seeded`]), so a code means one value in
//! every run.

use serde::{Deserialize, Serialize};

use super::device_detectors::last_uses;
use super::geo_detectors::visits;
use super::table::{SessionTable, NONE};
use crate::risk::config::ScoreConfig;
use crate::risk::rules::{self, HOUR_US};
use facesign_core::risk::Located;

/// The last located session of a user (the one impossible travel measures the next from).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CarriedLocation {
    pub latitude: f64,
    pub longitude: f64,
    pub accuracy_km: i32,
    pub created_us: i64,
    pub anonymizer: Option<bool>,
    pub is_mobile: Option<bool>,
    pub city: u32,
    pub country: u32,
    pub session_id: Option<String>,
}

impl CarriedLocation {
    fn of(t: &SessionTable, row: usize) -> CarriedLocation {
        CarriedLocation {
            latitude: t.latitude[row],
            longitude: t.longitude[row],
            accuracy_km: t.accuracy_km[row],
            created_us: t.created_us[row],
            anonymizer: t.anonymizer[row],
            is_mobile: t.is_mobile[row],
            city: t.city.codes[row],
            country: t.country.codes[row],
            session_id: t.session_id(row).map(str::to_owned),
        }
    }

    /// As core's travel rule reads it (names from the table's dictionaries).
    pub fn located<'a>(&'a self, t: &'a SessionTable) -> Located<'a> {
        Located {
            latitude: self.latitude,
            longitude: self.longitude,
            accuracy_km: self.accuracy_km,
            created_us: self.created_us,
            anonymizer: self.anonymizer,
            is_mobile: self.is_mobile,
            city: t.city.value(self.city),
            country: t.country.value(self.country),
            session_id: None,
        }
    }
}

/// One user's rules after the sessions of earlier runs that a run no longer holds.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Carry {
    pub travel: Option<CarriedLocation>,
    pub new_country: rules::NewCountry,
    pub multi_country: rules::MultiCountry,
    pub new_device: rules::NewDevice,
    pub device_churn: rules::DeviceChurn,
    /// Every device profile the user's sessions showed (a farm's members come to its phones
    /// new: see `device_detectors::fraud_farm`).
    pub profiles: Vec<u32>,
}

/// User `user`'s carry after folding in their sessions created before `until_us` (from the
/// carry the table holds for them, or from nothing): `None` when there is nothing to carry.
/// Sessions are folded exactly as the detectors step them, the device churn rule with the
/// same look ahead over the table's later sessions.
pub fn carry_forward(t: &SessionTable, user: usize, config: &ScoreConfig, until_us: i64) -> Option<Carry> {
    let range = t.users[user].clone();
    let folded =
        range.clone().take_while(|&r| t.created_us[r] != i64::MIN && t.created_us[r] < until_us).count();
    if folded == 0 {
        return t.carry(user).cloned();
    }
    let mut carry = t.carry(user).cloned().unwrap_or_default();
    let mut buffer = Vec::new();
    visits(t, range.clone(), &mut buffer);
    let (mut by_profile, mut last_use) = (Vec::new(), Vec::new());
    let return_us = (config.device_churn.return_days * 24.0 * HOUR_US) as i64;
    last_uses(&buffer, return_us, &mut by_profile, &mut last_use);
    let (new_country, multi_country) = (config.new_country.rule(), config.multi_country.rule());
    let (new_device, device_churn) = (config.new_device.rule(), config.device_churn.rule());
    for (index, v) in buffer[..folded].iter().enumerate() {
        let row = range.start + index;
        if t.located(row) {
            carry.travel = Some(CarriedLocation::of(t, row));
        }
        carry.new_country.step(v, &new_country);
        carry.multi_country.step(v, index, &multi_country);
        carry.new_device.step(v, &new_device);
        carry.device_churn.step(v, index, last_use[index], &device_churn);
        if v.device != NONE && !carry.profiles.contains(&v.device) {
            carry.profiles.push(v.device);
        }
    }
    carry.multi_country.forget_positions();
    carry.device_churn.forget_positions();
    Some(carry)
}
