// Hourly value = yearly income target / working hours a year. The form works without it.
(function () {
  const income = document.getElementById("calc-income");
  const hours = document.getElementById("calc-hours");
  const result = document.getElementById("calc-result");
  const use = document.getElementById("calc-use");
  const target = document.getElementById("id_hourly_value");
  if (!income || !hours || !result || !target) return;
  function value() {
    const i = parseFloat(income.value), h = parseFloat(hours.value);
    if (!(i > 0) || !(h > 0)) return null;
    return (Math.round((i / h) * 100) / 100).toFixed(2);
  }
  function update() { const v = value(); result.textContent = v === null ? "—" : v; }
  income.addEventListener("input", update);
  hours.addEventListener("input", update);
  use.addEventListener("click", function () { const v = value(); if (v !== null) target.value = v; });
})();
