// The dashboard's shell: signing in and up, the header, and which section is shown
// (the URL fragment names it: #facts, #graph…; tokens never go into URLs).

import {api, session, signIn, signOut} from "./api.js";
import {byId, busy, formError, status} from "./dom.js";
import * as account from "./account.js";
import * as consolidate from "./consolidate.js";
import * as data from "./data.js";
import * as facts from "./facts.js";
import * as graph from "./graph.js";
import * as search from "./search.js";
import * as sessions from "./sessions.js";

const PANELS = {facts, graph, sessions, search, consolidate, data, account};
const DEFAULT_PANEL = "facts";

const context = {
  user: null,
  /** Show a section; `options` go to its show() (e.g. which session to open). */
  go(panel, options) {
    pendingOptions = options || null;
    if (window.location.hash === `#${panel}`) {
      route();
    } else {
      window.location.hash = panel;
    }
  },
  signedOut(message) {
    showSignedOut(message);
  },
};

let pendingOptions = null;

function showSignedOut(message) {
  context.user = null;
  byId("app-view").hidden = true;
  byId("who").hidden = true;
  byId("auth-view").hidden = false;
  const notice = byId("auth-notice");
  notice.textContent = message || "";
  notice.hidden = !message;
  document.title = "hybridmem · sign in";
  byId("sign-in-identifier").focus();
}

async function showSignedIn() {
  context.user = await api("GET", "/api/users/me");
  const name = context.user.first_name || context.user.user_id;
  byId("who-name").textContent = `Signed in as ${name} (${context.user.email})`;
  byId("who").hidden = false;
  byId("auth-view").hidden = true;
  byId("app-view").hidden = false;
  route();
}

function route() {
  if (!context.user) return;
  const wanted = window.location.hash.slice(1);
  const name = Object.hasOwn(PANELS, wanted) ? wanted : DEFAULT_PANEL;
  for (const [key, module] of Object.entries(PANELS)) {
    const element = byId(key);
    const active = key === name;
    element.hidden = !active;
    if (!active && module.hide) module.hide();
  }
  for (const link of document.querySelectorAll(".sections a")) {
    if (link.getAttribute("href") === `#${name}`) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const heading = byId(`${name}-title`);
  document.title = `hybridmem · ${heading.textContent}`;
  const options = pendingOptions;
  pendingOptions = null;
  PANELS[name].show(context, options || {});
  // Move focus to the section's heading so keyboard and screen reader users land there.
  heading.focus({preventScroll: true});
}

function wireAuthForms() {
  const signInForm = byId("sign-in-form");
  signInForm.addEventListener("submit", (event) => {
    event.preventDefault();
    formError(signInForm, null);
    const identifier = signInForm.identifier.value.trim();
    const password = signInForm.password.value;
    if (!identifier || !password) {
      formError(signInForm, {message: "Enter your email (or user id) and password."});
      return;
    }
    busy(signInForm, async () => {
      try {
        await signIn(identifier, password);
        signInForm.reset();
        await showSignedIn();
      } catch (error) {
        formError(signInForm, error);
      }
    });
  });

  const signUpForm = byId("sign-up-form");
  signUpForm.addEventListener("submit", (event) => {
    event.preventDefault();
    formError(signUpForm, null);
    const body = {email: signUpForm.email.value.trim(), password: signUpForm.password.value};
    const firstName = signUpForm.first_name.value.trim();
    const userId = signUpForm.user_id.value.trim();
    if (firstName) body.first_name = firstName;
    if (userId) body.user_id = userId;
    if (!body.email || !body.password) {
      formError(signUpForm, {message: "Enter an email and a password."});
      return;
    }
    busy(signUpForm, async () => {
      try {
        await api("POST", "/api/auth/signup", {json: body});
        await signIn(body.email, body.password);
        signUpForm.reset();
        window.location.hash = "sessions";
        await showSignedIn();
      } catch (error) {
        formError(signUpForm, error);
      }
    });
  });

  byId("sign-out").addEventListener("click", async () => {
    await signOut().catch(() => {});
    showSignedOut("You are signed out.");
  });
}

async function start() {
  for (const module of Object.values(PANELS)) module.init(context);
  wireAuthForms();
  session.onEnded((message) => showSignedOut(message));
  window.addEventListener("hashchange", route);
  if (!session.token) {
    showSignedOut();
    return;
  }
  try {
    await showSignedIn();
  } catch (error) {
    if (session.token) {
      // Not a token problem (the server is down…): say so instead of signing out.
      byId("auth-view").hidden = false;
      status(byId("auth-notice"), error.message, {error: true});
      byId("auth-notice").hidden = false;
    }
  }
}

start();
