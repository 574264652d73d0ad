//! `[policy.metadata]`: which metadata keys apps may set, everywhere Stripe takes metadata.

use std::collections::{BTreeSet, HashMap};

use checkout_bridge::CreateSessionParams;
use serde::Deserialize;

use crate::base::refusal::Refusal;
use crate::policy::group::{refuse, PolicyGroup, APP_REFERENCE_KEY};

/// Stripe's metadata limits: "up to 50 keys, with key names up to 40 characters long and
/// values up to 500 characters long" (https://docs.stripe.com/api/metadata).
const STRIPE_MAX_METADATA_VALUE: usize = 500;
const STRIPE_MAX_METADATA_KEYS: usize = 50;
const STRIPE_MAX_METADATA_KEY: usize = 40;

/// `[policy.metadata]`
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetadataPolicy {
    /// Keys apps may set. Default empty: no metadata from apps.
    #[serde(default)]
    pub allowed_keys: BTreeSet<String>,
    /// Longest value, in characters (default and most: Stripe's 500).
    #[serde(default = "default_metadata_value")]
    pub max_value_length: usize,
}

fn default_metadata_value() -> usize {
    STRIPE_MAX_METADATA_VALUE
}

impl Default for MetadataPolicy {
    fn default() -> Self {
        MetadataPolicy {
            allowed_keys: BTreeSet::new(),
            max_value_length: STRIPE_MAX_METADATA_VALUE,
        }
    }
}

/// Every metadata map of the request, with the parameter it is sent as.
fn metadata_maps(p: &CreateSessionParams) -> Vec<(String, &HashMap<String, String>)> {
    let mut maps = vec![("metadata".to_owned(), &p.metadata)];
    for (i, item) in p.line_items.iter().enumerate() {
        maps.push((format!("line_items[{i}][metadata]"), &item.metadata));
    }
    if let Some(s) = &p.subscription_data {
        maps.push(("subscription_data[metadata]".into(), &s.metadata));
    }
    if let Some(d) = &p.payment_intent_data {
        maps.push(("payment_intent_data[metadata]".into(), &d.metadata));
    }
    if let Some(d) = &p.setup_intent_data {
        maps.push(("setup_intent_data[metadata]".into(), &d.metadata));
    }
    maps
}

impl PolicyGroup for MetadataPolicy {
    /// Applies to the session's metadata and to that of its line items, subscription,
    /// PaymentIntent and SetupIntent alike.
    fn check(&self, p: &CreateSessionParams) -> Result<(), Refusal> {
        for (prefix, map) in metadata_maps(p) {
            if map.len() > STRIPE_MAX_METADATA_KEYS {
                return Err(refuse(
                    &prefix,
                    "policy.metadata.allowed_keys",
                    format!("More than Stripe's {STRIPE_MAX_METADATA_KEYS} metadata keys"),
                ));
            }
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_unstable();
            for k in keys {
                let field = format!("{prefix}[{k}]");
                if k == APP_REFERENCE_KEY
                    || !self.allowed_keys.contains(k)
                    || k.chars().count() > STRIPE_MAX_METADATA_KEY
                {
                    return Err(refuse(
                        &field,
                        "policy.metadata.allowed_keys",
                        format!("Metadata key {k} is not allowed"),
                    ));
                }
                if map[k].chars().count() > self.max_value_length.min(STRIPE_MAX_METADATA_VALUE) {
                    return Err(refuse(
                        &field,
                        "policy.metadata.max_value_length",
                        format!("Metadata value longer than {} characters", self.max_value_length),
                    ));
                }
            }
        }
        Ok(())
    }
}
