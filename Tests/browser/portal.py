#!/usr/bin/env python3
"""The portal in a real browser: headless Chromium driven by Selenium against a running server with
the demo tenant. Signs in as the provincial officer, a district inspector, a principal and a
teacher; walks the drill-down; checks what each may and may not see; switches language; fails on
any JavaScript console error; runs axe-core on every page; tabs through the sign-in and approval
forms; saves a screenshot of every page visited to --out at 1366 px and at 375 px (with the phone's
folded menu checked).

    python portal.py --base http://127.0.0.1:8080 --out test-output/screenshots
"""
import argparse
import base64
import os
import re
import subprocess
import sys
import tempfile

from axe_core_python.base import AXE_SCRIPT
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.common.print_page_options import PrintOptions
from selenium.webdriver.support.ui import Select, WebDriverWait

PASSWORD = "Demo@2026!"
YEAR = "2026-2027"


class Walk:
    def __init__(self, base, out):
        self.base, self.out = base.rstrip("/"), out
        self.failures = []
        self.shots = 0
        self.audited = 0
        self.menu_shown = False

    def browser(self):
        options = webdriver.ChromeOptions()
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1366,1000",
                     "--lang=vi"):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        binary = next((p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if os.path.exists(p)), None)
        if binary:
            options.binary_location = binary
        driver_path = next((p for p in ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver") if os.path.exists(p)), None)
        return webdriver.Chrome(service=Service(driver_path) if driver_path else None, options=options)

    def check(self, condition, message):
        if not condition:
            self.failures.append(message)
            print(f"FAIL: {message}", file=sys.stderr)

    def accessible(self, driver, name):
        """axe-core 4.4 (from PyPI's axe-core-python) on the page as it is, WCAG 2.0 and 2.1 A and AA
        rules: no serious or critical violation."""
        driver.set_script_timeout(60)
        driver.execute_script(AXE_SCRIPT)
        found = driver.execute_async_script("""
            var done = arguments[arguments.length - 1];
            axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
               .then(function (r) { done({violations: r.violations.map(function (v) {
                   return {id: v.id, impact: v.impact, help: v.help,
                           nodes: v.nodes.slice(0, 3).map(function (n) { return n.target.join(' '); })}; })}); })
               .catch(function (e) { done({error: String(e)}); });""")
        self.audited += 1
        self.check("error" not in found, f"{name}: axe could not run: {found.get('error')}")
        for violation in found.get("violations", []):
            if violation.get("impact") in ("serious", "critical"):
                self.check(False, f"{name}: axe {violation['impact']} {violation['id']} ({violation['help']}) at {violation['nodes']}")

    def shot(self, driver, name):
        self.shots += 1
        path = os.path.join(self.out, f"{self.shots:02d}-{name}-1366.png")
        driver.save_screenshot(path)
        self.accessible(driver, name)
        # The same page on a phone: nothing but a wide table's own box scrolls sideways.
        driver.set_window_size(375, 800)
        overflow = driver.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        self.check(overflow <= 0, f"{name}: the page fits 375 px (overflow {overflow}px)")
        # Forms are one column on a phone: every field of a filter form starts at the same left edge.
        edges = driver.execute_script("""return Array.from(document.querySelectorAll('form.filters')).map(function (f) {
            return Array.from(f.querySelectorAll('label')).filter(function (l) { return l.offsetParent !== null; })
                        .map(function (l) { return Math.round(l.getBoundingClientRect().left); }); });""")
        for lefts in edges:
            self.check(len(set(lefts)) <= 1, f"{name}: a form's fields are one column at 375 px (left edges {sorted(set(lefts))})")
        self.folded_menu(driver, name)
        driver.save_screenshot(os.path.join(self.out, f"{self.shots:02d}-{name}-375.png"))
        driver.set_window_size(1366, 1000)
        # A refused page (403, 404) is what some steps ask for: only its own load may fail.
        page = driver.current_url.split("#")[0]
        errors = [entry for entry in driver.get_log("browser") if entry.get("level") == "SEVERE"
                  and not (entry.get("source") == "network" and entry.get("message", "").startswith(page + " "))]
        self.check(not errors, f"{name}: console errors {errors}")

    def folded_menu(self, driver, name):
        """On a phone a signed-in page's menu is folded behind one button; the button (a label for a
        checkbox: no script) unfolds it, and the unfolded menu still fits the width."""
        buttons = driver.find_elements(By.CSS_SELECTOR, "label.menu-button")
        if not buttons:
            return
        menu = driver.find_element(By.ID, "site-menu")
        self.check(buttons[0].is_displayed() and not menu.is_displayed(), f"{name}: at 375 px the menu is folded behind its button")
        buttons[0].click()
        self.check(menu.is_displayed(), f"{name}: the menu button unfolds the menu")
        overflow = driver.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        self.check(overflow <= 0, f"{name}: the unfolded menu fits 375 px (overflow {overflow}px)")
        if not self.menu_shown:
            self.menu_shown = True
            driver.save_screenshot(os.path.join(self.out, f"{self.shots:02d}-{name}-375-menu.png"))
        buttons[0].click()
        # At the desktop width the menu is always there and the button is not.
        driver.set_window_size(1366, 1000)
        self.check(menu.is_displayed() and not buttons[0].is_displayed(), f"{name}: at 1366 px the menu is open, no button")
        driver.set_window_size(375, 800)

    def printed(self, driver, name):
        """Prints the page as the browser would on A4 (the print stylesheet applies) and returns its text."""
        options = PrintOptions()
        options.page_width, options.page_height = 21.0, 29.7
        path = os.path.join(self.out, f"{name}.pdf")
        with open(path, "wb") as out:
            out.write(base64.b64decode(driver.print_page(options)))
        return subprocess.run(["pdftotext", "-enc", "UTF-8", path, "-"], capture_output=True, text=True).stdout

    def check_print(self, driver, name, wanted):
        text = self.printed(driver, name)
        self.check(wanted in text, f"{name}: the printed page holds {wanted!r}")
        for chrome in ("Đăng xuất", "English", "Trang chủ"):
            self.check(chrome not in text, f"{name}: the printed page leaves out the site's {chrome!r}")

    def sign_in(self, driver, login, tenant_code="demo", expect_success=True):
        driver.get(f"{self.base}/signin")
        tenant = driver.find_elements(By.CSS_SELECTOR, "select#tenant")
        if tenant:
            for option in tenant[0].find_elements(By.TAG_NAME, "option"):
                if option.get_attribute("value") == tenant_code:
                    option.click()
        driver.find_element(By.ID, "username").send_keys(login)
        driver.find_element(By.ID, "password").send_keys(PASSWORD)
        driver.find_element(By.CSS_SELECTOR, "form.stack button[type=submit]").click()
        if not expect_success:
            return
        try:
            WebDriverWait(driver, 10).until(lambda d: "/signin" not in d.current_url)
        except Exception:
            self.check(False, f"{login} signed in (still at {driver.current_url})")

    def follow(self, driver, selector, expected):
        """Clicks the first element matching `selector` and waits until the URL contains `expected`."""
        driver.find_element(By.CSS_SELECTOR, selector).click()
        try:
            WebDriverWait(driver, 10).until(lambda d: expected in d.current_url)
        except Exception:
            self.check(False, f"following {selector} leads to {expected} (at {driver.current_url})")

    def text(self, driver):
        return driver.find_element(By.TAG_NAME, "body").text

    def officer(self):
        driver = self.browser()
        try:
            self.sign_in(driver, "so.officer")
            self.check(driver.current_url.endswith("/units/SO/dashboard"), f"the officer lands on the province ({driver.current_url})")
            driver.get(f"{self.base}/dashboard")
            self.check(driver.current_url.endswith("/units/SO/dashboard"), f"officer lands on the province ({driver.current_url})")
            driver.get(f"{self.base}/units/SO/dashboard?year={YEAR}")
            self.check(driver.find_elements(By.CSS_SELECTOR, "svg.chart title"), "the trend chart has a title")
            self.check("Các đơn vị trực thuộc" in self.text(driver), "the province table of offices")
            self.shot(driver, "province")
            # The matrix: short labels (no towers of syllables), each with its full name in the legend.
            heights = driver.execute_script(
                "return [...document.querySelectorAll('table.matrix th.type abbr')].map(a => a.getBoundingClientRect().height)")
            self.check(heights and max(heights) < 30, f"the matrix's type labels are one line high ({heights and max(heights)}px)")
            legend = driver.find_elements(By.CSS_SELECTOR, "dl.legend.types dt")
            self.check(len(legend) == len(heights), f"every column is in the legend ({len(legend)} of {len(heights)})")
            # On a phone: the page does not scroll sideways; the matrix scrolls inside its box.
            driver.set_window_size(375, 800)
            driver.get(f"{self.base}/units/SO/dashboard?year={YEAR}")
            overflow = driver.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
            self.check(overflow <= 0, f"the province page fits 375 px (overflow {overflow}px)")
            inner = driver.execute_script(
                "const b = document.querySelector('table.matrix').parentElement; return b.scrollWidth - b.clientWidth")
            self.check(inner > 0, "the matrix scrolls inside its box at 375 px")
            self.shot(driver, "province-375")
            driver.set_window_size(1366, 1000)
            self.follow(driver, "table.matrix a[href^='/units/D01/dashboard']", "/units/D01/dashboard")
            # One of its schools has a very long name (the test gives it one): the page still fits.
            overflow = driver.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
            self.check(overflow <= 0, f"the office page fits its width with a very long unit name (overflow {overflow}px)")
            self.shot(driver, "office")
            self.follow(driver, "table.matrix a[href^='/units/S01/dashboard']", "/units/S01/dashboard")
            self.check("Giáo viên và bộ phận" in self.text(driver), "drill-down to the school: its people")
            self.shot(driver, "school")
            people = driver.find_elements(By.CSS_SELECTOR, "a[href*='/units/S01/items'][href*='owner=']")
            self.check(bool(people), "the school lists its people")
            if people:
                self.follow(driver, "a[href*='/units/S01/items'][href*='owner=']", "owner=")
                self.shot(driver, "person-items")
                items = driver.find_elements(By.CSS_SELECTOR, "table.grid a[href^='/records/']")
                self.check(bool(items), "a person's items are listed")
                if items:
                    self.follow(driver, "table.grid a[href^='/records/']", "/records/")
                    self.shot(driver, "obligation")
                    self.check_print(driver, "print-record", driver.find_element(By.TAG_NAME, "h1").text.split("\n")[0][:20])
            # Language switch, then back.
            driver.get(f"{self.base}/units/SO/dashboard?year={YEAR}")
            self.follow(driver, "a.lang", "/units/SO/dashboard")
            WebDriverWait(driver, 10).until(lambda d: "Completeness" in self.text(d))
            self.shot(driver, "province-en")
            self.follow(driver, "a.lang", "/units/SO/dashboard")
            WebDriverWait(driver, 10).until(lambda d: "Tỷ lệ đã nộp" in self.text(d))
        finally:
            driver.quit()

    def inspector(self):
        driver = self.browser()
        try:
            self.sign_in(driver, "d1.inspector")
            driver.get(f"{self.base}/dashboard")
            self.check(driver.current_url.endswith("/units/D01/dashboard"), f"inspector lands on the office ({driver.current_url})")
            self.shot(driver, "inspector-office")
            driver.get(f"{self.base}/units/D02/dashboard")
            self.check("D02" not in driver.title and "Bạch Đằng" not in self.text(driver), "another office stays hidden")
            self.shot(driver, "inspector-other-office")
            driver.get(f"{self.base}/units/SO/dashboard")
            self.check("Thủy Nguyên" not in self.text(driver), "the province above stays hidden")
        finally:
            driver.quit()

    def inspection(self):
        """An office plans an inspection in the browser, its audit account starts it and marks a line;
        the department asks for a report and the page updates itself until the download is there.
        (The inspector step signed d1.inspector in once: only known accounts can be named.)"""
        driver = self.browser()
        try:
            self.sign_in(driver, "d1.officer")
            driver.get(f"{self.base}/units/D01/inspections")
            form = driver.find_element(By.CSS_SELECTOR, "form[action='/units/D01/inspections']")
            form.find_element(By.NAME, "title").send_keys("Kiểm tra giáo án tháng 12")
            form.find_element(By.CSS_SELECTOR, "input[name=scope][value=S01]").click()
            form.find_element(By.CSS_SELECTOR, "input[name=types][value=lesson_plan]").click()
            form.find_element(By.CSS_SELECTOR, "input[name=inspectors][value='d1.inspector']").click()
            self.shot(driver, "inspection-plan")
            form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
            WebDriverWait(driver, 10).until(lambda d: re.search(r"/inspections/[0-9]+$", d.current_url))
            url = driver.current_url
        finally:
            driver.quit()
        driver = self.browser()
        try:
            self.sign_in(driver, "d1.inspector")
            driver.get(url)
            driver.find_element(By.CSS_SELECTOR, "form[action$='/start'] button").click()
            WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "table.checklist tbody tr"))
            row = driver.find_element(By.CSS_SELECTOR, "table.checklist tbody tr")
            Select(row.find_element(By.NAME, "verdict")).select_by_value("non_compliant")
            row.find_element(By.NAME, "note").send_keys("Thiếu mục tiêu bài học")
            row.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
            WebDriverWait(driver, 10).until(lambda d: "Thiếu mục tiêu bài học" in d.page_source)
            self.check("Không đạt: 1" in self.text(driver), "the verdict counts show the non-compliant line")
            self.shot(driver, "inspection-checklist")
            self.check_print(driver, "print-inspection", "Kiểm tra giáo án tháng 12")
        finally:
            driver.quit()
        driver = self.browser()
        try:
            self.sign_in(driver, "so.officer")
            driver.get(f"{self.base}/units/SO/reports")
            driver.find_element(By.CSS_SELECTOR, "form[action='/units/SO/reports'] button[type=submit]").click()
            WebDriverWait(driver, 10).until(lambda d: re.search(r"/reports/[0-9]+$", d.current_url))
            # The page reloads itself (Refresh) until the file is ready.
            WebDriverWait(driver, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, "a[href$='/download']"))
            self.shot(driver, "report-ready")
        finally:
            driver.quit()

    def principal(self):
        driver = self.browser()
        try:
            self.sign_in(driver, "s1.principal")
            self.check(driver.current_url.endswith("/units/S01/dashboard"), f"the principal lands on the school ({driver.current_url})")
            driver.get(f"{self.base}/dashboard")
            self.check(driver.current_url.endswith("/units/S01/dashboard"), f"principal lands on the school ({driver.current_url})")
            body = self.text(driver)
            self.check("Hạn trong tuần này" in body and "Chờ phê duyệt (ở bước nào)" in body, "the school's deadline sections")
            self.shot(driver, "principal-school")
            driver.get(f"{self.base}/units/S01/reminders")
            self.shot(driver, "principal-reminders")
            # The school's items: filtered and sorted in the form, the state kept in the URL, counted, paged.
            driver.get(f"{self.base}/units/S01/items?year={YEAR}")
            form = driver.find_element(By.CSS_SELECTOR, "form.filters")
            Select(form.find_element(By.NAME, "sort")).select_by_value("owner")
            Select(form.find_element(By.NAME, "column")).select_by_value("not_due")
            form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
            WebDriverWait(driver, 10).until(lambda d: "sort=owner" in d.current_url and "column=not_due" in d.current_url)
            summary = driver.find_element(By.ID, "list-summary").text
            self.check(summary.startswith("Hồ sơ 1–"), f"the list says which rows it shows of how many ({summary!r})")
            self.shot(driver, "principal-items")
            driver.get(f"{self.base}/units/S01/items?year={YEAR}&sort=biggest")
            self.check("Không có cách sắp xếp" in self.text(driver), "an unknown order is shown as the form's error")
            driver.get(f"{self.base}/units/S02/dashboard")
            self.check("Bạch Đằng" not in self.text(driver), "another school stays hidden")
        finally:
            driver.quit()

    def keyboard_sign_in(self, driver, login):
        """Signs in with the keyboard alone: the login field has the focus, Tab goes to the password
        and on to the button, Enter sends the form."""
        driver.get(f"{self.base}/signin")
        tenant = driver.find_elements(By.ID, "tenant")
        if tenant:
            Select(tenant[0]).select_by_value("demo")
            driver.find_element(By.ID, "username").click()
        focused = driver.switch_to.active_element
        self.check(focused.get_attribute("id") == "username", f"the sign-in form starts at the login ({focused.get_attribute('id')})")
        focused.send_keys(login, Keys.TAB)
        focused = driver.switch_to.active_element
        self.check(focused.get_attribute("id") == "password", "Tab goes from the login to the password")
        focused.send_keys(PASSWORD, Keys.TAB)
        focused = driver.switch_to.active_element
        self.check(focused.tag_name == "button" and focused.get_attribute("type") == "submit", "Tab goes on to the button")
        focused.send_keys(Keys.ENTER)
        try:
            WebDriverWait(driver, 10).until(lambda d: "/signin" not in d.current_url)
        except Exception:
            self.check(False, f"{login} signed in with the keyboard (still at {driver.current_url})")
        # The first Tab on a page reaches the link that skips to the content, and it leads there.
        driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
        skip = driver.switch_to.active_element
        self.check("skip" in (skip.get_attribute("class") or ""), "the first Tab reaches the skip link")
        skip.send_keys(Keys.ENTER)
        self.check(driver.current_url.endswith("#main"), f"the skip link leads to the content ({driver.current_url})")

    def teacher(self):
        driver = self.browser()
        try:
            self.keyboard_sign_in(driver, "s1.teacher")
            self.check(driver.current_url.split("#")[0].endswith("/owe"), f"the teacher lands on what they owe ({driver.current_url})")
            # The search box in the header: a name typed without diacritics.
            box = driver.find_element(By.ID, "nav-q")
            box.send_keys("chu van an")
            box.submit()
            WebDriverWait(driver, 10).until(lambda d: "/search" in d.current_url)
            self.check("Trường THCS Chu Văn An" in self.text(driver), "the header's search finds the school without diacritics")
            self.shot(driver, "teacher-search")
            driver.get(f"{self.base}/dashboard")
            self.check(driver.current_url.endswith("/owe"), f"a teacher's dashboard is what they owe ({driver.current_url})")
            self.shot(driver, "teacher-owe")
            driver.get(f"{self.base}/units/S01/dashboard")
            self.check("Giáo viên và bộ phận" not in self.text(driver), "a teacher does not see the school's figures")
            self.shot(driver, "teacher-refused")
            driver.get(f"{self.base}/owe")
            self.follow(driver, "a#owe-all", "/owe/items")
            self.shot(driver, "teacher-all-items")
        finally:
            driver.quit()

    def approval_by_keyboard(self):
        """A teacher submits a lesson plan; the group head approves it with the keyboard alone: the
        decision form's controls come in order under Tab (the signature box, Approve, the comment,
        Return) and Enter on Approve sends it on to the principal."""
        driver = self.browser()
        try:
            self.sign_in(driver, "s1.teacher")
            driver.get(f"{self.base}/owe/items?year={YEAR}&type=lesson_plan&column=not_due")
            driver.find_element(By.CSS_SELECTOR, "table.grid tbody tr a").click()
            WebDriverWait(driver, 10).until(lambda d: "/records/" in d.current_url)
            record = driver.current_url.split("?")[0]
            with tempfile.NamedTemporaryFile("wb", suffix=".pdf", delete=False) as document:
                document.write("%PDF-1.4\n% giáo án\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".encode())
            driver.find_element(By.CSS_SELECTOR, "input[type=file][name=file]").send_keys(document.name)
            driver.find_element(By.CSS_SELECTOR, "form[action$='/upload'] button[type=submit]").click()
            WebDriverWait(driver, 10).until(lambda d: not d.find_elements(By.CSS_SELECTOR, "form[action$='/upload']"))
            os.unlink(document.name)
        finally:
            driver.quit()
        driver = self.browser()
        try:
            self.keyboard_sign_in(driver, "s1.head")
            driver.get(record)
            self.shot(driver, "head-decision")
            sign = driver.find_element(By.CSS_SELECTOR, "form[action$='/approve'] input[name=sign]")
            driver.execute_script("arguments[0].focus()", sign)
            if sign.is_selected():  # no key in this world: approve without signing, unticked with Space
                driver.switch_to.active_element.send_keys(Keys.SPACE)
            self.check(not sign.is_selected(), "Space unticks the signature box")
            order = []
            for _ in range(3):
                driver.switch_to.active_element.send_keys(Keys.TAB)
                focused = driver.switch_to.active_element
                order.append((focused.tag_name, focused.get_attribute("name") or focused.text))
            self.check(order[0][0] == "button" and order[1] == ("textarea", "comment") and order[2][0] == "button",
                       f"Tab goes from the signature box to Approve, the comment and Return ({order})")
            driver.switch_to.active_element.send_keys(Keys.SHIFT, Keys.TAB)
            driver.switch_to.active_element.send_keys(Keys.SHIFT, Keys.TAB)
            approve = driver.switch_to.active_element
            self.check(approve.tag_name == "button" and "/approve" in (approve.find_element(By.XPATH, "./ancestor::form").get_attribute("action") or ""),
                       "Shift+Tab comes back to Approve")
            approve.send_keys(Keys.ENTER)
            try:
                WebDriverWait(driver, 10).until(lambda d: not d.find_elements(By.CSS_SELECTOR, "form[action$='/approve']"))
            except Exception:
                self.check(False, f"Enter on Approve sent the decision (still offered at {driver.current_url})")
            self.check("Hiệu trưởng" in self.text(driver), "the item now waits for the principal")
        finally:
            driver.quit()

    # The demo's other roles: where each lands after sign-in, and their account page (one click away).
    OTHER_ROLES = (("so.inspector", "/units/SO/dashboard"), ("d1.officer", "/units/D01/dashboard"),
                   ("s1.vice", "/approvals"), ("s1.head", "/approvals"), ("s1.admin", "/units/S01/dashboard"),
                   ("s1.clerk", "/"), ("t1.principal", "/units/T01/dashboard"), ("s1.former", "/"))

    def other_roles(self):
        for login, landing in self.OTHER_ROLES:
            driver = self.browser()
            try:
                self.sign_in(driver, login)
                path = "/" + driver.current_url.split("/", 3)[3].split("?")[0].split("#")[0] if driver.current_url.count("/") >= 3 else "/"
                self.check(path == landing, f"{login} lands on {landing} (at {driver.current_url})")
                self.shot(driver, f"{login}-landing")
                if landing != "/":
                    driver.find_element(By.CSS_SELECTOR, "a.brand").click()
                    WebDriverWait(driver, 10).until(lambda d: d.current_url.rstrip("/") == self.base)
                    self.shot(driver, f"{login}-account")
            finally:
                driver.quit()

    def merger_before(self):
        """A Hải Dương principal in tenant haiduong, before the merger of 1 July 2025."""
        driver = self.browser()
        try:
            self.sign_in(driver, "hd.s1principal", "haiduong")
            driver.get(f"{self.base}/dashboard")
            self.check(driver.current_url.endswith("/units/S01/dashboard"), f"the principal lands on Hải Dương's S01 ({driver.current_url})")
            self.check("Nguyễn Trãi" in self.text(driver), "the school's name")
            self.shot(driver, "merger-before-haiduong-principal")
        finally:
            driver.quit()

    def merger_after(self):
        """The same principal after the merger: haiduong is read-only; in haiphong through Hải Dương's directory."""
        driver = self.browser()
        try:
            self.sign_in(driver, "hd.s1principal", "haiduong", expect_success=False)
            try:  # the refusal is the answer to the form's POST: wait for it to load
                WebDriverWait(driver, 10).until(lambda d: "chỉ được xem" in self.text(d))
            except Exception:
                pass
            self.check("/signin" in driver.current_url and "chỉ được xem" in self.text(driver),
                       "the merged tenant refuses the sign-in, in Vietnamese")
            self.shot(driver, "merger-after-haiduong-refused")
            self.sign_in(driver, "hd.s1principal@haiduong", "haiphong")
            driver.get(f"{self.base}/dashboard")
            self.check(driver.current_url.endswith("/units/haiduong-S01/dashboard"),
                       f"the principal lands on the school, re-coded in Hải Phòng ({driver.current_url})")
            self.check("Nguyễn Trãi" in self.text(driver), "the school's name and records came along")
            self.shot(driver, "merger-after-haiphong-principal")
        finally:
            driver.quit()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--merger", choices=("before", "after"),
                        help="only the province merger's walk (tenants haiduong and haiphong), before or after it")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    walk = Walk(args.base, args.out)
    steps = (walk.officer, walk.inspector, walk.inspection, walk.principal, walk.teacher, walk.approval_by_keyboard,
             walk.other_roles)
    if args.merger:
        steps = (walk.merger_before,) if args.merger == "before" else (walk.merger_after,)
    for step in steps:
        try:
            step()
        except Exception as error:  # a missing element is a failure of this walk, reported with the others
            walk.failures.append(f"{step.__name__}: {type(error).__name__}: {error}".splitlines()[0])
    print(f"screenshots: {walk.shots} in {args.out}; pages checked by axe-core (WCAG 2.1 AA): {walk.audited}")
    if walk.failures:
        print("\n".join(walk.failures), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
