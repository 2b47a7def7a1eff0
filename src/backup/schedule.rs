//! The calendar of backup scripts: when each planned run falls, in local time,
//! across daylight-saving changes and month ends; when the next automatic run is
//! due (one run however many were missed while the computer was off); the
//! postponement of the year-end closing ("Repousser de N jours"); and the two
//! alarms — a script whose last good backup is too old, and the "Date de
//! sauvegarde incorrecte" of a script that never ran or starts too far ahead.
//!
//! Everything is generic over the time zone: the program passes
//! [`chrono::Local`], tests pass a fixed zone (Europe/Paris) and a fixed clock.
//! Planned instants are computed from the start date each time (never by adding
//! to the previous one), so "le 31" gives 31 January, 28 or 29 February, 31 March,
//! and "23:00" stays 23:00 on the wall clock whatever the season.

use chrono::{
    DateTime, Days, LocalResult, Months, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone,
    Utc,
};

use super::script::{BackupScript, Frequency, FrequencyUnit, ScriptEntry, ScriptState};

/// The longest postponement, in days ("Repousser de N jours"): a year.
pub const MAX_POSTPONE_DAYS: u32 = 365;

/// How many days ahead a start date may be before it is reported as
/// "Date de sauvegarde incorrecte".
pub const MAX_DAYS_AHEAD: u64 = 366;

/// The `k`-th planned instant of `script` (`k = 0` is the start date) in `tz`.
///
/// Days and weeks add `k × every` days (× 7) to the start date; months add
/// `k × every` months, the day being the start's day clamped to the month's last
/// day. The time of day is `script.time` on the local wall clock: when that time
/// does not exist (the spring-forward gap, 02:30 on the last Sunday of March in
/// Paris) the first instant after the gap is used (03:00); when it happens twice
/// (autumn fall-back) the earlier one is used.
pub fn occurrence<Tz: TimeZone>(script: &BackupScript, k: u32, tz: &Tz) -> DateTime<Tz> {
    at_local(tz, planned_date(script, k), script.time)
}

/// The first planned instant strictly after `after`, or the start when `after`
/// is before it. Jumps near the answer by arithmetic, then steps at most a few
/// occurrences, however far `after` is from the start.
pub fn next_after<Tz: TimeZone>(script: &BackupScript, after: &DateTime<Tz>) -> DateTime<Tz> {
    let tz = after.timezone();
    let first = occurrence(script, 0, &tz);
    if first > *after {
        return first;
    }
    let start = script.start_date;
    let date = after.date_naive();
    let every = i64::from(every_of(script.frequency));
    let estimate = match script.frequency.unit {
        FrequencyUnit::Jours => date.signed_duration_since(start).num_days() / every,
        FrequencyUnit::Semaines => date.signed_duration_since(start).num_days() / (7 * every),
        FrequencyUnit::Mois => months_between(start, date) / every,
    };
    let mut k = u32::try_from(estimate.max(0)).unwrap_or(u32::MAX);
    // Occurrences grow with k: step up past `after`, then down to the first one.
    while k < u32::MAX && occurrence(script, k, &tz) <= *after {
        k += 1;
    }
    while k > 0 && occurrence(script, k - 1, &tz) > *after {
        k -= 1;
    }
    occurrence(script, k, &tz)
}

/// When the next automatic run of `script` is due, seen from `now` (whose zone
/// is used): the start occurrence when it never ran, else the first occurrence
/// strictly after its last run; a later postponement replaces it.
///
/// The result may be at or before `now`: the run is due. However many
/// occurrences were missed (computer off or asleep), that is one run: once it
/// has run, `last_run_at` moves to its start and the next one is in the future.
pub fn next_run<Tz: TimeZone>(
    script: &BackupScript,
    state: &ScriptState,
    now: &DateTime<Tz>,
) -> DateTime<Tz> {
    let tz = now.timezone();
    let planned = match state.last_run_at {
        None => occurrence(script, 0, &tz),
        Some(last) => next_after(script, &last.with_timezone(&tz)),
    };
    match state.postponed_until {
        Some(until) => planned.max(until.with_timezone(&tz)),
        None => planned,
    }
}

/// Whether the script runs automatically and its next run is at or before `now`.
pub fn is_due<Tz: TimeZone>(entry: &ScriptEntry, now: &DateTime<Tz>) -> bool {
    entry.script.enabled && next_run(&entry.script, &entry.state, now) <= *now
}

/// The usual time between two runs: N days, 7N days, or 30N days for months.
///
/// Months are approximated by 30 days: this is used for the alarms only (a
/// backup too old, a script that never ran), never to plan a run.
pub fn nominal_interval(frequency: Frequency) -> TimeDelta {
    let every = i64::from(every_of(frequency));
    TimeDelta::days(match frequency.unit {
        FrequencyUnit::Jours => every,
        FrequencyUnit::Semaines => 7 * every,
        FrequencyUnit::Mois => 30 * every,
    })
}

/// A script whose backups fall behind (the alarm of the tray and of Accueil).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Staleness {
    /// When the last good backup was taken, if there ever was one.
    pub last_good_at: Option<DateTime<Utc>>,
    /// When the alarm started: the last good backup (or, when there never was
    /// one, the start occurrence) plus twice the nominal interval.
    pub overdue_since: DateTime<Utc>,
}

/// Whether an enabled script falls behind: its last good backup is older than
/// twice the [`nominal_interval`], or it never had one and its start occurrence
/// is more than twice the interval in the past. A postponement still running
/// (`postponed_until` after `now`) silences the alarm: the user asked for it.
pub fn staleness<Tz: TimeZone>(entry: &ScriptEntry, now: &DateTime<Tz>) -> Option<Staleness> {
    let script = &entry.script;
    if !script.enabled {
        return None;
    }
    let now_utc = now.with_timezone(&Utc);
    if entry.state.postponed_until.is_some_and(|p| p > now_utc) {
        return None;
    }
    let reference = entry
        .state
        .last_good_at
        .unwrap_or_else(|| occurrence(script, 0, &now.timezone()).with_timezone(&Utc));
    let overdue_since = reference.checked_add_signed(nominal_interval(script.frequency) * 2)?;
    (now_utc > overdue_since).then_some(Staleness {
        last_good_at: entry.state.last_good_at,
        overdue_since,
    })
}

/// "Date de sauvegarde incorrecte (planification)": a planning that cannot be
/// what the user wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateAnomaly {
    /// The script never ran although it should have started long ago (more
    /// than twice its nominal interval).
    NeverRanSince {
        /// The start date.
        start: NaiveDate,
    },
    /// The start date is more than [`MAX_DAYS_AHEAD`] days ahead.
    TooFarAhead {
        /// The start date.
        start: NaiveDate,
    },
}

/// The "Date de sauvegarde incorrecte" of an enabled script, if any (a script
/// that does not run automatically has no planning to be wrong).
pub fn date_anomaly<Tz: TimeZone>(entry: &ScriptEntry, now: &DateTime<Tz>) -> Option<DateAnomaly> {
    let script = &entry.script;
    if !script.enabled {
        return None;
    }
    let start = script.start_date;
    let today = now.date_naive();
    if today
        .checked_add_days(Days::new(MAX_DAYS_AHEAD))
        .is_some_and(|limit| start > limit)
    {
        return Some(DateAnomaly::TooFarAhead { start });
    }
    if entry.state.last_run_at.is_none() {
        let first = occurrence(script, 0, &now.timezone());
        let late = first
            .checked_add_signed(nominal_interval(script.frequency) * 2)
            .is_some_and(|limit| limit < *now);
        if late {
            return Some(DateAnomaly::NeverRanSince { start });
        }
    }
    None
}

/// "Actualiser la date": the start date that makes the script begin at its next
/// time of day — today when `script.time` is still ahead today, else tomorrow.
pub fn refreshed_start<Tz: TimeZone>(script: &BackupScript, now: &DateTime<Tz>) -> NaiveDate {
    refreshed_date(script.time, now)
}

/// [`refreshed_start`] for a time of day alone (the form, before validation).
pub fn refreshed_date<Tz: TimeZone>(time: NaiveTime, now: &DateTime<Tz>) -> NaiveDate {
    let today = now.date_naive();
    if at_local(&now.timezone(), today, time) > *now {
        today
    } else {
        today.succ_opt().unwrap_or(today)
    }
}

/// "Repousser de N jours": no automatic run before the later of the next run
/// and `now`, moved `days` calendar days ahead at the same wall-clock time.
/// Postponing again adds to the postponement.
pub fn postpone<Tz: TimeZone>(entry: &mut ScriptEntry, days: u32, now: &DateTime<Tz>) {
    let base = next_run(&entry.script, &entry.state, now).max(now.clone());
    let until = add_local_days(&base, days);
    entry.state.postponed_until = Some(until.with_timezone(&Utc));
}

/// Cancels a postponement (after the run it was for, or at the user's request).
pub fn clear_postponement(state: &mut ScriptState) {
    state.postponed_until = None;
}

/// Whether no automatic run of the script will start within `days` calendar days
/// of `now` (the year-end closing wants every script postponed by at least 2
/// days). A script that does not run automatically counts as postponed.
pub fn postponed_at_least<Tz: TimeZone>(
    entry: &ScriptEntry,
    days: u32,
    now: &DateTime<Tz>,
) -> bool {
    if !entry.script.enabled {
        return true;
    }
    // Counted in calendar days, not to the second: a script postponed while
    // overdue counts from the instant of the postponement, and must still count
    // as postponed a moment later, when the closing checks it.
    next_run(&entry.script, &entry.state, now).date_naive()
        >= add_local_days(now, days).date_naive()
}

// ---------------------------------------------------------------------------

/// "Tous les 0" cannot be validated; a hand-edited file is read as 1 rather
/// than dividing by zero.
fn every_of(frequency: Frequency) -> u32 {
    u32::from(frequency.every.max(1))
}

/// The local date of the `k`-th occurrence, computed from the start.
fn planned_date(script: &BackupScript, k: u32) -> NaiveDate {
    let start = script.start_date;
    let steps = u64::from(k) * u64::from(every_of(script.frequency));
    let date = match script.frequency.unit {
        FrequencyUnit::Jours => start.checked_add_days(Days::new(steps)),
        FrequencyUnit::Semaines => start.checked_add_days(Days::new(steps * 7)),
        // chrono clamps the day to the month's last day.
        FrequencyUnit::Mois => u32::try_from(steps)
            .ok()
            .and_then(|months| start.checked_add_months(Months::new(months))),
    };
    // Beyond the calendar: an instant no one will reach.
    date.unwrap_or(NaiveDate::MAX)
}

/// Whole calendar months from `a`'s month to `b`'s month.
fn months_between(a: NaiveDate, b: NaiveDate) -> i64 {
    use chrono::Datelike as _;
    (i64::from(b.year()) - i64::from(a.year())) * 12 + i64::from(b.month0()) - i64::from(a.month0())
}

/// `date` at `time` on the wall clock of `tz`: the earlier instant when it
/// happens twice, the first instant after the gap when it does not exist.
fn at_local<Tz: TimeZone>(tz: &Tz, date: NaiveDate, time: NaiveTime) -> DateTime<Tz> {
    let naive = date.and_time(time);
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) => t,
        LocalResult::Ambiguous(a, b) => a.min(b),
        LocalResult::None => first_instant_from(tz, naive),
    }
}

/// The first instant whose wall-clock time is at or after `naive` (the end of
/// a spring-forward gap), to the second.
fn first_instant_from<Tz: TimeZone>(tz: &Tz, naive: NaiveDateTime) -> DateTime<Tz> {
    // Offsets stay within ±26 hours, so two days either side bracket the answer:
    // the wall clock reads before `naive` at `low` and at or after it at `high`.
    let centre = naive.and_utc().timestamp();
    let span = 2 * 86_400;
    let (mut low, mut high) = (centre - span, centre + span);
    let local_at =
        |secs: i64| DateTime::from_timestamp(secs, 0).map(|t| tz.from_utc_datetime(&t.naive_utc()));
    while high - low > 1 {
        let mid = low + (high - low) / 2;
        match local_at(mid) {
            Some(t) if t.naive_local() >= naive => high = mid,
            Some(_) => low = mid,
            None => break,
        }
    }
    local_at(high).unwrap_or_else(|| tz.from_utc_datetime(&naive))
}

/// `t` moved `days` calendar days ahead, at the same wall-clock time.
fn add_local_days<Tz: TimeZone>(t: &DateTime<Tz>, days: u32) -> DateTime<Tz> {
    let date = t
        .date_naive()
        .checked_add_days(Days::new(u64::from(days)))
        .unwrap_or(NaiveDate::MAX);
    at_local(&t.timezone(), date, t.time())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backup::script::Destination;
    use chrono::Timelike as _;
    use chrono_tz::Europe::Paris;
    use chrono_tz::Tz;
    use std::path::PathBuf;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    fn paris(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Tz> {
        Paris
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .expect("unambiguous Paris time")
    }

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .expect("utc")
    }

    fn script(every: u8, unit: FrequencyUnit, start: NaiveDate, h: u32, m: u32) -> BackupScript {
        BackupScript {
            name: "Quotidienne".into(),
            frequency: Frequency { every, unit },
            start_date: start,
            time: NaiveTime::from_hms_opt(h, m, 0).expect("time"),
            enabled: true,
            keep: 5,
            destination: Destination::Folder {
                path: PathBuf::from("/home/paie/Sauvegardes"),
            },
        }
    }

    fn entry(script: BackupScript) -> ScriptEntry {
        ScriptEntry {
            script,
            state: ScriptState::default(),
        }
    }

    fn daily_23h(start: NaiveDate) -> BackupScript {
        script(1, FrequencyUnit::Jours, start, 23, 0)
    }

    #[test]
    fn daily_at_23h_stays_23h_local_across_both_dst_changes() {
        // Summer time starts on Sunday 29 March 2026 and ends on Sunday 25 October.
        for (start, before_offset, after_offset) in
            [(date(2026, 3, 26), 1, 2), (date(2026, 10, 22), 2, 1)]
        {
            let s = daily_23h(start);
            for k in 0..7 {
                let t = occurrence(&s, k, &Paris);
                assert_eq!(t.date_naive(), start + Days::new(u64::from(k)));
                assert_eq!((t.hour(), t.minute()), (23, 0), "{t}");
                // 23:00 local is 22:00 UTC in winter, 21:00 UTC in summer.
                let offset = if k < 3 { before_offset } else { after_offset };
                assert_eq!(t.with_timezone(&Utc).hour(), 23 - offset, "{t}");
            }
            // Stepping from one run to the next keeps the wall clock too.
            let mut t = occurrence(&s, 0, &Paris);
            for _ in 0..6 {
                let next = next_after(&s, &t);
                assert_eq!(next.date_naive(), t.date_naive() + Days::new(1));
                assert_eq!(next.time(), s.time);
                t = next;
            }
        }
    }

    #[test]
    fn every_two_weeks() {
        let s = script(2, FrequencyUnit::Semaines, date(2026, 1, 5), 10, 0);
        assert_eq!(occurrence(&s, 1, &Paris), paris(2026, 1, 19, 10, 0));
        assert_eq!(occurrence(&s, 3, &Paris), paris(2026, 2, 16, 10, 0));
        // Strictly after.
        assert_eq!(
            next_after(&s, &paris(2026, 1, 19, 10, 0)),
            paris(2026, 2, 2, 10, 0)
        );
        assert_eq!(
            next_after(&s, &paris(2026, 1, 19, 9, 59)),
            paris(2026, 1, 19, 10, 0)
        );
        assert_eq!(
            next_after(&s, &paris(2026, 1, 25, 0, 0)),
            paris(2026, 2, 2, 10, 0)
        );
        // Before the start: the start.
        assert_eq!(
            next_after(&s, &paris(2025, 6, 1, 0, 0)),
            paris(2026, 1, 5, 10, 0)
        );
    }

    #[test]
    fn monthly_on_the_31st_clamps_to_the_month_end_without_drifting() {
        let s = script(1, FrequencyUnit::Mois, date(2027, 1, 31), 23, 0);
        let days: Vec<NaiveDate> = (0..5)
            .map(|k| occurrence(&s, k, &Paris).date_naive())
            .collect();
        assert_eq!(
            days,
            [
                date(2027, 1, 31),
                date(2027, 2, 28),
                date(2027, 3, 31),
                date(2027, 4, 30),
                date(2027, 5, 31)
            ]
        );
        let leap = script(1, FrequencyUnit::Mois, date(2028, 1, 31), 23, 0);
        assert_eq!(occurrence(&leap, 1, &Paris).date_naive(), date(2028, 2, 29));
        assert_eq!(
            next_after(&leap, &paris(2028, 2, 1, 0, 0)),
            paris(2028, 2, 29, 23, 0)
        );
        assert_eq!(
            next_after(&leap, &paris(2028, 2, 29, 23, 0)),
            paris(2028, 3, 31, 23, 0)
        );
        let quarterly = script(3, FrequencyUnit::Mois, date(2026, 11, 30), 8, 0);
        assert_eq!(
            occurrence(&quarterly, 1, &Paris).date_naive(),
            date(2027, 2, 28)
        );
        assert_eq!(
            occurrence(&quarterly, 2, &Paris).date_naive(),
            date(2027, 5, 30)
        );
        assert_eq!(
            next_after(&quarterly, &paris(2027, 3, 1, 0, 0)),
            paris(2027, 5, 30, 8, 0)
        );
    }

    #[test]
    fn a_time_in_the_spring_gap_runs_at_the_end_of_the_gap() {
        // 02:30 does not exist on 29 March 2026 in Paris: clocks go from 02:00 to 03:00.
        let s = script(1, FrequencyUnit::Jours, date(2026, 3, 28), 2, 30);
        let before = occurrence(&s, 0, &Paris);
        let gap = occurrence(&s, 1, &Paris);
        let after = occurrence(&s, 2, &Paris);
        assert_eq!(before.with_timezone(&Utc), utc(2026, 3, 28, 1, 30));
        assert_eq!(gap.date_naive(), date(2026, 3, 29));
        assert_eq!((gap.hour(), gap.minute(), gap.second()), (3, 0, 0));
        assert_eq!(gap.with_timezone(&Utc), utc(2026, 3, 29, 1, 0));
        assert_eq!(after.with_timezone(&Utc), utc(2026, 3, 30, 0, 30));
        assert_eq!(next_after(&s, &before), gap);
        assert_eq!(next_after(&s, &gap), after);
    }

    #[test]
    fn a_time_in_the_autumn_overlap_runs_once_at_the_earlier_instant() {
        // 02:30 happens twice on 25 October 2026 in Paris (summer, then winter time).
        let s = script(1, FrequencyUnit::Jours, date(2026, 10, 24), 2, 30);
        let twice = occurrence(&s, 1, &Paris);
        assert_eq!(twice.with_timezone(&Utc), utc(2026, 10, 25, 0, 30));
        assert_eq!((twice.hour(), twice.minute()), (2, 30));
        // After the first 02:30, the next run is the next day, not the second 02:30.
        let next = next_after(&s, &twice);
        assert_eq!(next.with_timezone(&Utc), utc(2026, 10, 26, 1, 30));
    }

    #[test]
    fn next_after_jumps_far_without_stepping_through_every_occurrence() {
        let s = daily_23h(date(1990, 1, 1));
        assert_eq!(
            next_after(&s, &paris(2026, 6, 15, 12, 0)),
            paris(2026, 6, 15, 23, 0)
        );
        assert_eq!(
            next_after(&s, &paris(2026, 6, 15, 23, 0)),
            paris(2026, 6, 16, 23, 0)
        );
        let m = script(1, FrequencyUnit::Mois, date(1990, 1, 31), 23, 0);
        assert_eq!(
            next_after(&m, &paris(2026, 2, 10, 0, 0)),
            paris(2026, 2, 28, 23, 0)
        );
        let w = script(3, FrequencyUnit::Semaines, date(1990, 1, 1), 6, 0);
        let t = next_after(&w, &paris(2026, 6, 15, 12, 0));
        assert!(t > paris(2026, 6, 15, 12, 0));
        assert!(t <= paris(2026, 7, 6, 12, 0));
        assert_eq!(
            t.date_naive()
                .signed_duration_since(w.start_date)
                .num_days()
                % 21,
            0
        );
    }

    #[test]
    fn a_script_that_never_ran_is_due_at_its_start() {
        let e = entry(daily_23h(date(2026, 5, 1)));
        let now = paris(2026, 5, 1, 10, 0);
        assert_eq!(
            next_run(&e.script, &e.state, &now),
            paris(2026, 5, 1, 23, 0)
        );
        assert!(!is_due(&e, &now));
        assert!(is_due(&e, &paris(2026, 5, 1, 23, 0)));
        let mut off = e.clone();
        off.script.enabled = false;
        assert!(!is_due(&off, &paris(2026, 5, 3, 0, 0)));
    }

    #[test]
    fn runs_missed_for_ten_days_give_one_due_run_then_the_next_in_the_future() {
        let mut e = entry(daily_23h(date(2026, 4, 1)));
        e.state.last_run_at = Some(paris(2026, 5, 1, 23, 0).with_timezone(&Utc));
        let now = paris(2026, 5, 11, 12, 0);
        assert_eq!(
            next_run(&e.script, &e.state, &now),
            paris(2026, 5, 2, 23, 0)
        );
        assert!(is_due(&e, &now));
        // The run happens now: the next one is tonight, not one per missed day.
        e.state.last_run_at = Some(now.with_timezone(&Utc));
        assert_eq!(
            next_run(&e.script, &e.state, &now),
            paris(2026, 5, 11, 23, 0)
        );
        assert!(!is_due(&e, &now));
    }

    #[test]
    fn postponement_moves_the_next_run_and_keeps_the_wall_clock() {
        let mut e = entry(daily_23h(date(2026, 4, 1)));
        e.state.last_run_at = Some(paris(2026, 5, 10, 23, 0).with_timezone(&Utc));
        let now = paris(2026, 5, 11, 10, 0);
        assert!(!postponed_at_least(&e, 2, &now));
        postpone(&mut e, 2, &now);
        assert_eq!(
            e.state.postponed_until,
            Some(paris(2026, 5, 13, 23, 0).with_timezone(&Utc))
        );
        assert_eq!(
            next_run(&e.script, &e.state, &now),
            paris(2026, 5, 13, 23, 0)
        );
        assert!(!is_due(&e, &paris(2026, 5, 12, 23, 30)));
        assert!(is_due(&e, &paris(2026, 5, 13, 23, 0)));
        assert!(postponed_at_least(&e, 2, &now));
        assert!(!postponed_at_least(&e, 3, &now));
        // A running postponement silences the staleness alarm.
        e.state.last_good_at = Some(paris(2026, 5, 1, 23, 0).with_timezone(&Utc));
        assert!(staleness(&e, &paris(2026, 5, 12, 0, 0)).is_none());
        assert!(staleness(&e, &paris(2026, 5, 14, 0, 0)).is_some());

        // Postponing again adds to it.
        postpone(&mut e, 1, &now);
        assert_eq!(
            next_run(&e.script, &e.state, &now),
            paris(2026, 5, 14, 23, 0)
        );
        clear_postponement(&mut e.state);
        assert_eq!(e.state.postponed_until, None);
        assert_eq!(
            next_run(&e.script, &e.state, &now),
            paris(2026, 5, 11, 23, 0)
        );

        // When the run is already overdue, the postponement counts from now.
        let late = paris(2026, 5, 12, 10, 17);
        postpone(&mut e, 2, &late);
        assert_eq!(
            next_run(&e.script, &e.state, &late),
            paris(2026, 5, 14, 10, 17)
        );
        // … and still counts as postponed when the closing checks a moment
        // later (regression: at 23:49, a script overdue since 23:00 and
        // postponed by 2 days was refused by the closing five seconds later).
        assert!(postponed_at_least(&e, 2, &paris(2026, 5, 12, 10, 18)));
        assert!(postponed_at_least(&e, 2, &paris(2026, 5, 12, 23, 59)));
        assert!(!postponed_at_least(&e, 2, &paris(2026, 5, 13, 0, 0)));

        // A postponement earlier than the planned run changes nothing.
        e.state.postponed_until = Some(paris(2026, 5, 11, 12, 0).with_timezone(&Utc));
        assert_eq!(
            next_run(&e.script, &e.state, &now),
            paris(2026, 5, 11, 23, 0)
        );

        // Across the spring change, "2 days later" is the same wall-clock time.
        let mut spring = entry(daily_23h(date(2026, 3, 1)));
        spring.state.last_run_at = Some(paris(2026, 3, 26, 23, 0).with_timezone(&Utc));
        let now = paris(2026, 3, 27, 9, 0);
        postpone(&mut spring, 2, &now);
        assert_eq!(
            next_run(&spring.script, &spring.state, &now),
            paris(2026, 3, 29, 23, 0)
        );

        // A script that does not run automatically counts as postponed.
        let mut off = entry(daily_23h(date(2026, 5, 1)));
        off.script.enabled = false;
        assert!(postponed_at_least(&off, 2, &paris(2026, 5, 1, 22, 0)));
    }

    #[test]
    fn staleness_after_twice_the_interval() {
        let mut e = entry(daily_23h(date(2026, 5, 1)));
        let now = paris(2026, 5, 20, 12, 0);
        e.state.last_run_at = Some(paris(2026, 5, 19, 23, 0).with_timezone(&Utc));
        e.state.last_good_at = Some(paris(2026, 5, 19, 23, 0).with_timezone(&Utc));
        assert_eq!(staleness(&e, &now), None);

        let good = paris(2026, 5, 17, 23, 0).with_timezone(&Utc);
        e.state.last_good_at = Some(good);
        assert_eq!(
            staleness(&e, &now),
            Some(Staleness {
                last_good_at: Some(good),
                overdue_since: paris(2026, 5, 19, 23, 0).with_timezone(&Utc),
            })
        );
        let mut off = e.clone();
        off.script.enabled = false;
        assert_eq!(staleness(&off, &now), None);

        // Never a good backup: counted from the start occurrence.
        let mut never = entry(daily_23h(date(2026, 5, 15)));
        never.state.last_run_at = Some(paris(2026, 5, 19, 23, 0).with_timezone(&Utc));
        let s = staleness(&never, &now).expect("stale");
        assert_eq!(s.last_good_at, None);
        assert_eq!(
            s.overdue_since,
            paris(2026, 5, 17, 23, 0).with_timezone(&Utc)
        );
        let recent = entry(daily_23h(date(2026, 5, 19)));
        assert_eq!(staleness(&recent, &now), None);

        // A monthly script may go two months (60 days) without a backup.
        let mut monthly = entry(script(1, FrequencyUnit::Mois, date(2026, 1, 1), 23, 0));
        monthly.state.last_good_at = Some(paris(2026, 4, 1, 23, 0).with_timezone(&Utc));
        assert_eq!(staleness(&monthly, &now), None);
        assert!(staleness(&monthly, &paris(2026, 6, 1, 0, 0)).is_some());
    }

    #[test]
    fn date_anomalies() {
        let now = paris(2026, 5, 20, 12, 0);
        let never = entry(daily_23h(date(2026, 5, 10)));
        assert_eq!(
            date_anomaly(&never, &now),
            Some(DateAnomaly::NeverRanSince {
                start: date(2026, 5, 10)
            })
        );
        let mut ran = never.clone();
        ran.state.last_run_at = Some(paris(2026, 5, 10, 23, 0).with_timezone(&Utc));
        assert_eq!(date_anomaly(&ran, &now), None);
        assert_eq!(
            date_anomaly(&entry(daily_23h(date(2026, 5, 19))), &now),
            None
        );
        // Two months for a monthly script.
        let monthly = entry(script(1, FrequencyUnit::Mois, date(2026, 4, 10), 23, 0));
        assert_eq!(date_anomaly(&monthly, &now), None);

        let far = entry(daily_23h(date(2027, 5, 22)));
        assert_eq!(
            date_anomaly(&far, &now),
            Some(DateAnomaly::TooFarAhead {
                start: date(2027, 5, 22)
            })
        );
        assert_eq!(
            date_anomaly(&entry(daily_23h(date(2027, 5, 21))), &now),
            None
        );

        let mut off = never;
        off.script.enabled = false;
        assert_eq!(date_anomaly(&off, &now), None);
    }

    #[test]
    fn refreshed_start_is_today_while_the_time_is_ahead() {
        let s = daily_23h(date(2020, 1, 1));
        assert_eq!(
            refreshed_start(&s, &paris(2026, 5, 11, 10, 0)),
            date(2026, 5, 11)
        );
        assert_eq!(
            refreshed_start(&s, &paris(2026, 5, 11, 23, 0)),
            date(2026, 5, 12)
        );
        assert_eq!(
            refreshed_start(&s, &paris(2026, 5, 11, 23, 30)),
            date(2026, 5, 12)
        );
        // And once refreshed, the script no longer has a date anomaly.
        let mut e = entry(s);
        let now = paris(2026, 5, 11, 23, 30);
        e.script.start_date = refreshed_start(&e.script, &now);
        assert_eq!(date_anomaly(&e, &now), None);
        assert_eq!(
            next_run(&e.script, &e.state, &now),
            paris(2026, 5, 12, 23, 0)
        );
    }

    #[test]
    fn nominal_intervals() {
        let f = |every, unit| nominal_interval(Frequency { every, unit });
        assert_eq!(f(1, FrequencyUnit::Jours), TimeDelta::days(1));
        assert_eq!(f(2, FrequencyUnit::Semaines), TimeDelta::days(14));
        assert_eq!(f(3, FrequencyUnit::Mois), TimeDelta::days(90));
    }
}
