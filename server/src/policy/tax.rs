//! `[policy.tax]`: Stripe Tax (`automatic_tax` and its Connect liability) and tax rates on
//! line items; and forcing automatic tax on.

use std::collections::BTreeSet;

use checkout_bridge::{AutomaticTax, CreateSessionParams};
use serde::Deserialize;

use crate::base::refusal::Refusal;
use crate::policy::group::{charges, refuse, PolicyGroup};

/// `[policy.tax]`
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaxPolicy {
    /// Whether apps may send `automatic_tax` (default false).
    #[serde(default)]
    pub allow_automatic_tax: bool,
    /// Turn Stripe Tax on for every payment and subscription session, whatever the app sent
    /// (`automatic_tax[enabled]=true`; setup sessions have nothing to tax). Needs Stripe Tax
    /// set up on the account and prices with a `tax_behavior`.
    #[serde(default)]
    pub force_automatic_tax: bool,
    /// Connected accounts (`acct_…`) apps may name as liable for the tax
    /// (`automatic_tax[liability]`). Default empty.
    #[serde(default)]
    pub allowed_liable_accounts: BTreeSet<String>,
    /// Tax Rate IDs (`txr_…`) apps may put on line items (`line_items[N][tax_rates]`).
    /// Default empty.
    #[serde(default)]
    pub allowed_tax_rates: BTreeSet<String>,
}

impl PolicyGroup for TaxPolicy {
    fn check(&self, p: &CreateSessionParams) -> Result<(), Refusal> {
        if let Some(t) = &p.automatic_tax {
            if self.force_automatic_tax && !t.enabled {
                return Err(refuse(
                    "automatic_tax[enabled]",
                    "policy.tax.force_automatic_tax",
                    "Automatic tax is always on for this merchant",
                ));
            }
            // Sending what the server forces anyway is not a request for more.
            let forced_anyway = self.force_automatic_tax && t.enabled && t.liable_account.is_none();
            if !self.allow_automatic_tax && !forced_anyway {
                return Err(refuse(
                    "automatic_tax",
                    "policy.tax.allow_automatic_tax",
                    "Apps may not choose automatic tax",
                ));
            }
            if let Some(acct) = &t.liable_account {
                if !self.allowed_liable_accounts.contains(acct) {
                    return Err(refuse(
                        "automatic_tax[liability][account]",
                        "policy.tax.allowed_liable_accounts",
                        format!("Account {acct} may not be made liable for tax"),
                    ));
                }
            }
        }
        for (i, item) in p.line_items.iter().enumerate() {
            for (j, rate) in item.tax_rates.iter().enumerate() {
                if !self.allowed_tax_rates.contains(rate) {
                    return Err(refuse(
                        &format!("line_items[{i}][tax_rates][{j}]"),
                        "policy.tax.allowed_tax_rates",
                        format!("Tax rate {rate} is not allowed"),
                    ));
                }
            }
        }
        Ok(())
    }

    fn force(&self, p: &mut CreateSessionParams) {
        if self.force_automatic_tax && charges(&p.mode) {
            let liable_account = p.automatic_tax.take().and_then(|t| t.liable_account);
            p.automatic_tax = Some(AutomaticTax {
                enabled: true,
                liable_account,
            });
        }
    }
}
