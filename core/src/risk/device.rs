//! Device profiles: the key the device detectors and the generator's labels compare devices by,
//! and the device a `bot_device` reason names.

/// A device profile: browser, version, OS, platform, and whether the device says it is
/// mobile, written into `out`; false (and `out` empty) when the session names no browser, OS
/// or platform.
pub fn device_profile(
    browser: Option<&str>,
    version: Option<&str>,
    os: Option<&str>,
    platform: Option<&str>,
    is_mobile: Option<bool>,
    out: &mut String,
) -> bool {
    out.clear();
    if browser.is_none() && os.is_none() && platform.is_none() {
        return false;
    }
    for (k, part) in [browser, version, os, platform].into_iter().enumerate() {
        if k > 0 {
            out.push_str(if k == 2 { " · " } else { " " });
        }
        out.push_str(part.unwrap_or("?"));
    }
    if is_mobile == Some(true) {
        out.push_str(" · mobile");
    }
    true
}
