void f(void)
{
	while (1) {
		if (ready())
			break;
		cpu_relax();
	}
	go();
}
