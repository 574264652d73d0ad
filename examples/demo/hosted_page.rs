//! The "customer": loads the emulator's hosted Checkout page over HTTP, submits the form of one
//! button the way a browser would, and returns the redirect link without following it (a custom
//! scheme is for the app, not for HTTP).

use super::cli::Button;
use super::problem::Problem;

/// Presses `button` on the page at `url` and returns the link the browser would hand the app.
pub async fn press(url: &str, button: Button) -> Result<String, Problem> {
    let label = button.label();
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| Problem::internal(format!("Could not set up the demo's HTTP client: {e}.")))?;
    let unreachable = |e: reqwest::Error| Problem::internal(format!("The hosted page at {url} did not load: {e}."));
    let page = browser
        .get(url)
        .send()
        .await
        .map_err(unreachable)?
        .text()
        .await
        .map_err(unreachable)?;
    let action = form_action(&page, label)
        .ok_or_else(|| Problem::internal(format!("The hosted page at {url} has no {label:?} button.")))?;
    let target = url::Url::parse(url)
        .and_then(|u| u.join(&action))
        .map_err(|e| Problem::internal(format!("The hosted page's form points nowhere ({e}).")))?;
    let resp = browser
        .post(target)
        .send()
        .await
        .map_err(|e| Problem::internal(format!("Pressing {label:?} failed: {e}.")))?;
    resp.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .ok_or_else(|| Problem::internal(format!("Pressing {label:?} did not redirect (HTTP {}).", resp.status())))
}

/// The `action` of the form whose button reads `label`.
fn form_action(html: &str, label: &str) -> Option<String> {
    html.split("<form").skip(1).find_map(|form| {
        let end = form.find("</form>")?;
        let form = &form[..end];
        if !form.contains(&format!(">{label}</button>")) {
            return None;
        }
        let start = form.find("action=\"")? + "action=\"".len();
        let len = form[start..].find('"')?;
        Some(form[start..start + len].replace("&amp;", "&"))
    })
}
