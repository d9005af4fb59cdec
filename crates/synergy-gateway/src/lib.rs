//! The HTTP gateway (axum): JSON API for every context, uploads, reports, tokens and
//! partnership scoping. Not yet built: see issue 7.
