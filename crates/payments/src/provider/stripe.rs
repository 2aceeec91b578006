//! Stripe (PA2), behind the `stripe` feature: charges are PaymentIntents, refunds are
//! Refunds, both sent with Stripe's `Idempotency-Key` (the payment's or refund's id), and
//! webhooks are Stripe's events signed in `Stripe-Signature`.
//!
//! A charge is created with the payment's id in its metadata. With a `payment_method` set
//! (a saved card, for renewals) it is confirmed at once; otherwise it waits for the payer's
//! browser to confirm it with Stripe.js and the `client_secret` the payment shows its payer,
//! and Stripe's `payment_intent.succeeded` event settles it.

use std::time::Duration;

use commons_core::Timestamp;
use serde::Deserialize;

use super::{
    ChargeOutcome, ChargeRequest, PaymentProvider, ProviderEvent, RefundOutcome, RefundRequest, Unreachable,
    WebhookError, signature, stripe_event,
};

/// Where Stripe's API is.
pub const API_BASE: &str = "https://api.stripe.com";

#[derive(Clone)]
pub struct StripeProvider {
    api_base: String,
    secret_key: String,
    webhook_secret: String,
    /// Confirms every charge with this payment method (`pm_…`) when set.
    payment_method: Option<String>,
    http: reqwest::Client,
}

impl std::fmt::Debug for StripeProvider {
    // Keys stay out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeProvider")
            .field("api_base", &self.api_base)
            .finish_non_exhaustive()
    }
}

impl StripeProvider {
    /// Stripe at [`API_BASE`] with the account's secret key (`sk_…`) and the webhook
    /// endpoint's signing secret (`whsec_…`).
    pub fn new(secret_key: impl Into<String>, webhook_secret: impl Into<String>) -> StripeProvider {
        StripeProvider {
            api_base: API_BASE.to_owned(),
            secret_key: secret_key.into(),
            webhook_secret: webhook_secret.into(),
            payment_method: None,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap_or_default(),
        }
    }

    /// Another address for the API (a test double, or a proxy).
    pub fn with_api_base(mut self, api_base: impl Into<String>) -> StripeProvider {
        self.api_base = api_base.into().trim_end_matches('/').to_owned();
        self
    }

    /// Confirms every charge at once with `payment_method` (`pm_card_visa` in test mode).
    pub fn with_payment_method(mut self, payment_method: impl Into<String>) -> StripeProvider {
        self.payment_method = Some(payment_method.into());
        self
    }

    async fn post(
        &self,
        path: &str,
        key: &str,
        form: &[(&str, String)],
    ) -> Result<(u16, Answer), Unreachable> {
        let response = self
            .http
            .post(format!("{}{path}", self.api_base))
            .bearer_auth(&self.secret_key)
            .header("Idempotency-Key", key)
            .form(form)
            .send()
            .await
            .map_err(|e| Unreachable(e.to_string()))?;
        let status = response.status().as_u16();
        if status >= 500 || status == 429 {
            return Err(Unreachable(format!("Stripe answered {status}")));
        }
        let answer = response
            .json::<Answer>()
            .await
            .map_err(|e| Unreachable(format!("Stripe's answer could not be read: {e}")))?;
        Ok((status, answer))
    }
}

/// What Stripe answers, a PaymentIntent, a Refund or an error, read loosely.
#[derive(Deserialize, Default)]
struct Answer {
    #[serde(default)]
    id: String,
    #[serde(default)]
    status: String,
    client_secret: Option<String>,
    last_payment_error: Option<Problem>,
    error: Option<Problem>,
}

#[derive(Deserialize)]
struct Problem {
    message: Option<String>,
    payment_intent: Option<Box<Answer>>,
}

impl Problem {
    fn said(&self, otherwise: &str) -> String {
        self.message.clone().unwrap_or_else(|| otherwise.to_owned())
    }
}

#[async_trait::async_trait]
impl PaymentProvider for StripeProvider {
    fn name(&self) -> &'static str {
        "stripe"
    }

    fn signature_header(&self) -> &'static str {
        "Stripe-Signature"
    }

    async fn charge(&self, request: &ChargeRequest) -> Result<ChargeOutcome, Unreachable> {
        let mut form = vec![
            ("amount", request.amount_minor.to_string()),
            ("currency", request.currency.to_ascii_lowercase()),
            ("description", request.description.clone()),
            ("metadata[commons_payment_id]", request.payment_id.to_string()),
        ];
        match &self.payment_method {
            Some(method) => {
                form.push(("payment_method", method.clone()));
                form.push(("confirm", "true".into()));
                form.push(("off_session", "true".into()));
            }
            None => form.push(("automatic_payment_methods[enabled]", "true".into())),
        }
        let key = format!("payment-{}", request.payment_id);
        let (status, answer) = self.post("/v1/payment_intents", &key, &form).await?;
        if let Some(error) = &answer.error {
            // A declined card is 402 with the intent inside the error.
            let reference = error.payment_intent.as_ref().map(|i| i.id.clone());
            return Ok(ChargeOutcome::Failed {
                reference,
                reason: error.said(&format!("Stripe refused the charge ({status})")),
            });
        }
        Ok(match answer.status.as_str() {
            "succeeded" => ChargeOutcome::Succeeded { reference: answer.id },
            "canceled" => ChargeOutcome::Failed {
                reference: Some(answer.id),
                reason: "the payment was cancelled".into(),
            },
            "requires_payment_method" if answer.last_payment_error.is_some() => ChargeOutcome::Failed {
                reason: answer
                    .last_payment_error
                    .as_ref()
                    .map(|e| e.said("the payment was declined"))
                    .unwrap_or_default(),
                reference: Some(answer.id),
            },
            _ => ChargeOutcome::Pending {
                reference: answer.id,
                client_secret: answer.client_secret,
            },
        })
    }

    async fn refund(&self, request: &RefundRequest) -> Result<RefundOutcome, Unreachable> {
        let form = [
            ("payment_intent", request.charge_reference.clone()),
            ("amount", request.amount_minor.to_string()),
        ];
        let key = format!("refund-{}", request.refund_id);
        let (status, answer) = self.post("/v1/refunds", &key, &form).await?;
        if let Some(error) = &answer.error {
            return Ok(RefundOutcome::Failed {
                reason: error.said(&format!("Stripe refused the refund ({status})")),
            });
        }
        Ok(match answer.status.as_str() {
            "failed" | "canceled" => RefundOutcome::Failed {
                reason: format!("Stripe's refund {} {}", answer.id, answer.status),
            },
            // `pending` refunds almost always succeed; a later failure is not yet applied.
            _ => RefundOutcome::Succeeded { reference: answer.id },
        })
    }

    fn verify_webhook(
        &self,
        signature: Option<&str>,
        body: &[u8],
        now: Timestamp,
    ) -> Result<ProviderEvent, WebhookError> {
        signature::verify(&self.webhook_secret, signature, body, now)?;
        stripe_event::parse(body)
    }
}
