//! `nightly merge`: shards' reports joined into the report an unsharded run makes. Refuses a
//! missing or duplicated shard, shards of different corpora or configuration sets, and counts
//! that do not add up (a pair run twice or by the wrong shard, a record outside what its shard
//! ran, pairs nobody ran).

use super::{CampaignSummary, Header, NightReport, Shard};
use std::collections::BTreeSet;

pub fn merge(shards: Vec<(Shard, NightReport)>) -> Result<NightReport, String> {
    let Some((first_shard, first)) = shards.first() else { return Err("no shard reports".into()) };
    let count = first_shard.count;
    let first = first.clone();
    let mut seen = BTreeSet::new();
    for (s, r) in &shards {
        if s.count == 0 || s.index == 0 || s.index > s.count {
            return Err(format!("a report says it is shard {}/{}", s.index, s.count));
        }
        if s.count != count {
            return Err(format!("shard {}/{} among shards of {count}", s.index, s.count));
        }
        if !seen.insert(s.index) {
            return Err(format!("shard {}/{count} given twice", s.index));
        }
        if r.corpus_digest != first.corpus_digest || r.configurations_digest != first.configurations_digest {
            return Err(format!("shard {}/{count} ran another corpus or configuration set", s.index));
        }
        if r.inputs != first.inputs || r.configurations != first.configurations {
            return Err(format!("shard {}/{count} has other inputs or configurations", s.index));
        }
    }
    let missing: Vec<String> =
        (1..=count).filter(|i| !seen.contains(i)).map(|i| format!("{i}/{count}")).collect();
    if !missing.is_empty() {
        return Err(format!("missing shard report(s): {}", missing.join(", ")));
    }
    let mut ran = BTreeSet::new();
    let mut records = Vec::new();
    let mut keys = BTreeSet::new();
    let mut header = Header { date: first.header.date.clone(), shards: count, ..Header::default() };
    let mut hosts = BTreeSet::new();
    let mut campaign: Option<CampaignSummary> = None;
    for (s, r) in shards {
        let mine: BTreeSet<(String, String)> = r.ran.iter().cloned().collect();
        for (file, configuration) in &r.ran {
            if !s.owns(file, configuration) {
                return Err(format!(
                    "shard {}/{count} ran {file} [{configuration}], which is another shard's",
                    s.index
                ));
            }
            if !ran.insert((file.clone(), configuration.clone())) {
                return Err(format!("{file} [{configuration}] was run by two shards"));
            }
        }
        for rec in r.records {
            if !mine.contains(&(rec.file.clone(), rec.configuration.clone())) {
                return Err(format!("shard {}/{count} has a record it did not run: {}", s.index, rec.name()));
            }
            if !keys.insert(rec.key()) {
                return Err(format!("record {} appears twice", rec.name()));
            }
            records.push(rec);
        }
        hosts.insert(r.header.host);
        for (stage, secs) in r.header.stages {
            *header.stages.entry(stage).or_default() += secs;
        }
        if let Some(c) = r.header.campaign {
            let m = campaign.get_or_insert_with(CampaignSummary::default);
            m.seconds = m.seconds.max(c.seconds);
            m.executions += c.executions;
            m.executions_per_second += c.executions_per_second;
            m.findings.extend(c.findings);
        }
    }
    let expected: usize = first.inputs.len() * first.configurations.len();
    if ran.len() != expected {
        return Err(format!(
            "the shards ran {} (file, configuration) pairs; the night has {expected}",
            ran.len()
        ));
    }
    header.host = hosts.into_iter().collect::<Vec<_>>().join(", ");
    header.campaign = campaign;
    records.sort_by_key(|r| r.key());
    Ok(NightReport {
        schema_version: super::SCHEMA_VERSION,
        header,
        corpus_digest: first.corpus_digest.clone(),
        configurations_digest: first.configurations_digest.clone(),
        configurations: first.configurations.clone(),
        inputs: first.inputs.clone(),
        shard: Shard::WHOLE,
        ran: ran.into_iter().collect(),
        records,
        diff: super::diff::Diff::None,
        deltas: None,
    })
}
